// The widget on a newsroom's own site, another origin than patron's: one tag
// and a slot, no CORS preflight, the host page's CSS kept out of the appeal,
// and the reader's state kept under the newsroom's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setup, readerState, APPEAL, SLOT, DESKTOP } from './lib.mjs';

// The newsroom's site: a server of its own on another loopback port (a
// public-looking host name would trip Chromium's private network rules,
// which a real newsroom in front of a real patron never meets).
let env;
let newsroom;
let NEWSROOM;
let pages = {};
before(async () => {
  env = await setup();
  newsroom = http.createServer((req, res) => {
    const body = pages[new URL(req.url, 'http://x').pathname];
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body || 'not found');
  });
  await new Promise((resolve) => newsroom.listen(0, 'localhost', resolve));
  NEWSROOM = `http://localhost:${newsroom.address().port}`;
});
after(async () => {
  newsroom?.closeAllConnections();
  await new Promise((resolve) => (newsroom ? newsroom.close(resolve) : resolve()));
  await env?.teardown();
});

async function acceptedEvents() {
  const text = await (await fetch(env.base + '/metrics', { headers: { Authorization: `Bearer ${env.patron.adminToken()}` } })).text();
  const line = text.split('\n').find((l) => /^patron_events_accepted_total[ {]/.test(l));
  return line ? Number(line.trim().split(/\s+/).pop()) : NaN;
}

// A hostile-ish host page: its own rules for h2, buttons and even patron's
// class names must not reach into the shadow root.
const hostPage = (base) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host</title>
<style>
  body { font: 30px/2 serif; color: rgb(0, 128, 0); }
  h2, .patron-headline { color: rgb(255, 0, 0); display: none; }
  button { background: rgb(255, 0, 0) !important; }
  .patron-slot { min-height: 380px; }
</style>
<script async src="${base}/widget.js"></script></head>
<body><article><h1>A story</h1>${'<p>Paragraph.</p>'.repeat(3)}</article>
<div class="patron-slot" data-patron data-article="host-1" data-section="news" data-tags="a, b" data-lang="en"></div>
<footer>Footer</footer></body></html>`;

test('on another origin the widget shows the appeal without a preflight, isolated from the page’s CSS', async () => {
  pages = { '/story': hostPage(env.base) };
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const requests = [];
  const consoleErrors = [];
  page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  try {
    const acceptedBefore = await acceptedEvents();
    assert.ok(Number.isFinite(acceptedBefore), 'patron exports patron_events_accepted_total');
    const asked = page.waitForRequest((r) => r.url() === env.base + '/v1/appeal');
    const counted = page.waitForResponse(
      (r) => r.url() === env.base + '/v1/events' && r.request().method() === 'POST',
      { timeout: 10000 }
    );
    await page.goto(`${NEWSROOM}/story`);
    const body = JSON.parse((await asked).postData());
    assert.deepEqual(body.article, {
      id: 'host-1',
      language: 'en',
      section: 'news',
      tags: ['a', 'b'],
    });
    const appeal = page.locator(APPEAL);
    await appeal.waitFor({ state: 'visible', timeout: 10000 });

    const look = await page.locator(SLOT).evaluate((slot) => {
      const root = slot.shadowRoot;
      const style = (sel) => getComputedStyle(root.querySelector(sel));
      return {
        headlineColor: style('.patron-headline').color,
        headlineDisplay: style('.patron-headline').display,
        fontSize: style('.patron-appeal').fontSize,
        supportBackground: style('.patron-support').backgroundColor,
        formAction: root.querySelector('.patron-form').action,
      };
    });
    assert.notEqual(look.headlineColor, 'rgb(255, 0, 0)');
    assert.notEqual(look.headlineColor, 'rgb(0, 128, 0)');
    assert.notEqual(look.headlineDisplay, 'none');
    assert.equal(look.fontSize, '16px', 'the appeal keeps its own type size');
    assert.notEqual(look.supportBackground, 'rgb(255, 0, 0)');
    assert.equal(new URL(look.formAction).origin, env.base, 'the support form goes to patron');

    // Seen, counted: the beacon crosses origins and patron takes it.
    await appeal.scrollIntoViewIfNeeded();
    const response = await counted;
    assert.equal(response.status(), 202);
    // A beacon's answer is not readable across origins; patron's counter is.
    assert.equal(await acceptedEvents(), acceptedBefore + 1);

    assert.deepEqual(requests.filter((r) => r.startsWith('OPTIONS ')), [], 'no CORS preflight');
    const origins = new Set(requests.map((r) => new URL(r.split(' ')[1]).origin));
    assert.deepEqual([...origins].sort(), [env.base, NEWSROOM].sort());
    assert.deepEqual(consoleErrors.filter((e) => /CORS|blocked/i.test(e)), []);

    // The reader's state lives with the newsroom's origin, not patron's.
    const state = await readerState(page);
    assert.equal(state.views.length, 1);
    assert.deepEqual(await context.cookies(), []);
  } finally {
    await context.close();
  }
});

test('a slot without data-lang takes the page’s language, and a bad one falls back to English', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const html = (lang, slotLang) =>
    hostPage(env.base)
      .replace('<html lang="en">', `<html lang="${lang}">`)
      .replace(' data-lang="en"', slotLang === null ? '' : ` data-lang="${slotLang}"`);
  pages = {
    '/ru-page': html('ru', null),
    '/bad-lang': html('en', 'not a language!'),
  };
  const page = await context.newPage();
  try {
    for (const [path, language] of [['/ru-page', 'ru'], ['/bad-lang', 'en']]) {
      const asked = page.waitForRequest((r) => r.url() === env.base + '/v1/appeal');
      await page.goto(NEWSROOM + path);
      assert.equal(JSON.parse((await asked).postData()).article.language, language);
      await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
      assert.equal(await page.locator(APPEAL).getAttribute('lang'), language);
    }
  } finally {
    await context.close();
  }
});

test('the slot’s placement and sensitivity, and the viewport’s device class, reach patron', async () => {
  const variants = {
    '/end': ' data-placement="end_of_article"',
    '/sidebar': ' data-placement="sidebar"',
    '/sensitive': ' data-sensitive',
  };
  pages = {};
  for (const [path, attributes] of Object.entries(variants)) {
    pages[path] = hostPage(env.base).replace(' data-patron ', ` data-patron${attributes} `);
  }
  const cases = [
    { path: '/end', viewport: DESKTOP, article: { placement: 'end_of_article' }, device: 'desktop', shown: true },
    { path: '/sidebar', viewport: { width: 800, height: 900 }, article: { placement: 'sidebar' }, device: 'tablet', shown: false },
    { path: '/sensitive', viewport: { width: 390, height: 844 }, article: { sensitive: true }, device: 'mobile', shown: false },
  ];
  for (const c of cases) {
    const context = await env.browser.newContext({ viewport: c.viewport });
    const page = await context.newPage();
    try {
      const asked = page.waitForRequest((r) => r.url() === env.base + '/v1/appeal');
      const answered = page.waitForResponse((r) => r.url() === env.base + '/v1/appeal');
      await page.goto(NEWSROOM + c.path);
      const body = JSON.parse((await asked).postData());
      for (const [key, value] of Object.entries(c.article)) {
        assert.equal(body.article[key], value, `${c.path}: article.${key}`);
      }
      assert.equal(body.reader.device, c.device, `${c.path}: reader.device`);
      const answer = await (await answered).json();
      assert.equal(answer.appeal !== null, c.shown, `${c.path}: ${JSON.stringify(answer).slice(0, 80)}`);
    } finally {
      await context.close();
    }
  }
});

test('editors’ options on the article’s address are passed on to patron', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  try {
    // A reader who snoozed a minute ago: only a forced variant shows.
    await page.addInitScript(() => {
      localStorage.setItem(
        'patron',
        JSON.stringify({
          bucket: 3,
          snoozes: [{ campaign: 'demo-2026', reason: 'later', at: Math.floor(Date.now() / 1000) - 60 }],
        })
      );
    });
    pages = { '/story': hostPage(env.base) };
    let asked = page.waitForRequest((r) => r.url().startsWith(env.base + '/v1/appeal'));
    let answered = page.waitForResponse((r) => r.url().startsWith(env.base + '/v1/appeal'));
    await page.goto(`${NEWSROOM}/story`);
    assert.equal((await asked).url(), env.base + '/v1/appeal', 'no options, no query');
    assert.equal((await (await answered).json()).reason, 'snoozed');

    asked = page.waitForRequest((r) => r.url().startsWith(env.base + '/v1/appeal'));
    answered = page.waitForResponse((r) => r.url().startsWith(env.base + '/v1/appeal'));
    await page.goto(`${NEWSROOM}/story?utm_source=x&patron_force=demo-2026:a&patron_preview=p1&patron_debug=d1`);
    const url = new URL((await asked).url());
    assert.equal(url.pathname, '/v1/appeal');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      force: 'demo-2026:a',
      preview: 'p1',
      debug: 'd1',
    });
    const answer = await (await answered).json();
    assert.equal(answer.appeal && answer.appeal.variant, 'a', 'the forced variant is shown');
    await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
  } finally {
    await context.close();
  }
});
