// Banners (issue 15, item 4): a top banner in a slot whose height the page
// reserves, and a bottom banner the widget lays over the page as a fixed
// overlay. At 390 px and 1280 px: nothing moves (CLS 0), axe finds nothing,
// and a page with a banner and an end-of-article appeal never shows one
// campaign twice. Escape in a banner closes it as its × does: a 'close'
// snooze, counted, focus kept, and after a reload the banner stays closed.
// PATRON_SCREENSHOTS=1 writes docs/dashboard/banner.png (1280 px, top) and
// banner-bottom-phone.png (390 px, the overlay).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { setup, layoutShifts, DESKTOP, PHONE } from './lib.mjs';
import { axe, SHOTS, SCREENSHOTS } from './dashboard-lib.mjs';
import { paletteCompress } from './png-palette.mjs';

let env;
let token;
let newsroom;
let NEWSROOM;

async function admin(method, route, body) {
  const r = await fetch(env.base + route, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${route}: ${r.status} ${text}`);
  return JSON.parse(text);
}

const text = (headline, body) => ({ en: { headline, body } });

// The newsroom's article: a top banner slot (its height reserved by the
// page, as for the end-of-article slot), or a bottom one after the footer.
const page = (base, where) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">
<title>A story with a banner</title>
<style>
  body { margin: 0; font: 18px/1.6 Georgia, serif; color: #222; }
  main, footer { max-width: 680px; margin: 0 auto; padding: 0 16px; }
  .banner-slot { min-height: 240px; }
  .patron-slot { min-height: 460px; margin: 24px 0; }
  @media (max-width: 739px) { .banner-slot { min-height: 460px; } .patron-slot { min-height: 560px; } }
</style>
<script async src="${base}/widget.js"></script></head>
<body>
${where == 'top' ? '<div class="banner-slot" data-patron data-placement="banner_top" data-article="story-1" data-lang="en"></div>' : ''}
<main><h1>The council’s missing millions</h1>
${'<p>Our reporters spent six months reading the council’s accounts, line by line, and talking to the people who keep them.</p>'.repeat(4)}
<div class="patron-slot" data-patron data-article="story-1" data-lang="en"></div>
${'<p>More of the story follows here, as it would on any article page.</p>'.repeat(3)}
</main>
<footer><p><a id="last-link" href="#top">Back to the top</a></p></footer>
${where == 'bottom' ? '<div data-patron data-placement="banner_bottom" data-article="story-1" data-lang="en"></div>' : ''}
</body></html>`;

before(async () => {
  env = await setup();
  token = env.patron.adminToken();
  assert.ok(token, 'the demo printed its admin token');
  // Two campaigns on top of the demo's (demo-2026, end of article):
  // "spring" runs as a top banner and at the end of the article, first by
  // priority; "overlay" only as a bottom banner. spring's close snooze is
  // none, so closing another campaign's banner leaves it at the end.
  await admin('POST', '/v1/admin/campaigns', {
    id: 'spring', status: 'live', priority: 100, languages: ['en'],
    placement: ['banner_top', 'end_of_article'], snooze_days: { close: 0 },
    goal: { kind: 'supporters', target: 2000, period: 'month', text: { en: '{count} of {goal} new supporters this month' } },
    variants: [{ id: 'a', presets: [300, 500, 1000], default_amount: 500, text: text('Keep local news free to read', 'Readers fund our reporting on the council. Give what you can, once or each month.') }],
  });
  await admin('POST', '/v1/admin/campaigns', {
    id: 'overlay', status: 'live', priority: 90, languages: ['en'], placement: 'banner_bottom',
    variants: [{ id: 'a', presets: [300, 500, 1000], default_amount: 500, text: text('Before you go', 'This story took six months. Help us do the next one.') }],
  });
  newsroom = http.createServer((req, res) => {
    const where = new URL(req.url, 'http://x').pathname.slice(1);
    const known = where == 'top' || where == 'bottom';
    res.writeHead(known ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(known ? page(env.base, where) : 'not found');
  });
  await new Promise((resolve) => newsroom.listen(0, 'localhost', resolve));
  NEWSROOM = `http://localhost:${newsroom.address().port}`;
});
after(async () => {
  newsroom?.closeAllConnections();
  await new Promise((resolve) => (newsroom ? newsroom.close(resolve) : resolve()));
  await env?.teardown();
});

async function axeClean(p, name) {
  const report = await axe(p, name);
  assert.equal(report.violations.length, 0, `${report.line}\n${JSON.stringify(report.violations, null, 1).slice(0, 3000)}`);
}

/** The campaign each slot shows, in document order (null: nothing drawn). */
const drawn = (p) =>
  p.evaluate(() =>
    [...document.querySelectorAll('[data-patron]')].map((slot) => {
      const section = slot.shadowRoot && slot.shadowRoot.querySelector('.patron-appeal');
      return section ? section.dataset.campaign : null;
    })
  );

/** Waits until every /v1/appeal the page makes (count of them) has answered. */
function answers(p, count) {
  const got = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} answers`)), 15000);
    p.on('response', async (r) => {
      if (r.url() !== env.base + '/v1/appeal') return;
      got.push({ request: JSON.parse(r.request().postData()), answer: await r.json() });
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

async function counts() {
  const r = await fetch(env.base + '/v1/stats', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  const all = {};
  for (const c of (await r.json()).counts) all[`${c.campaign} ${c.kind}`] = (all[`${c.campaign} ${c.kind}`] || 0) + c.count;
  return all;
}

async function shoot(p, name) {
  if (!SCREENSHOTS) return;
  const png = await p.screenshot({ animations: 'disabled', caret: 'hide' });
  const small = paletteCompress(png);
  const file = path.join(SHOTS, `${name}.png`);
  fs.writeFileSync(file, small.length < png.length ? small : png);
  console.log(`screenshot ${name}: ${Math.round(fs.statSync(file).size / 1024)} KB`);
}

for (const viewport of [PHONE, DESKTOP]) {
  const size = `${viewport.width}px`;

  test(`a top banner and an end-of-article appeal: two campaigns, CLS 0, axe-clean, Escape closes (${size})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const p = await context.newPage();
    try {
      const answered = answers(p, 2);
      await p.goto(NEWSROOM + '/top');
      const [first, second] = await answered;
      // In document order, the second request naming the first's campaign.
      assert.equal(first.request.article.placement, 'banner_top');
      assert.equal(first.request.article.shown, undefined);
      assert.equal(first.answer.appeal.campaign, 'spring');
      assert.equal(second.request.article.placement, undefined, 'the default, end_of_article');
      assert.deepEqual(second.request.article.shown, ['spring']);
      assert.equal(second.answer.appeal.campaign, 'demo-2026', 'not spring again');
      await p.locator('.banner-slot .patron-appeal').waitFor();
      await p.locator('.patron-slot .patron-appeal').waitFor();
      assert.deepEqual(await drawn(p), ['spring', 'demo-2026']);

      // Laid out as a banner: compact, side by side on wide screens.
      const layout = await p.evaluate(() => {
        const section = document.querySelector('.banner-slot').shadowRoot.querySelector('.patron-appeal');
        const box = (e) => e.getBoundingClientRect();
        return {
          banner: section.classList.contains('patron-banner'),
          display: getComputedStyle(section).display,
          headline: box(section.querySelector('.patron-headline')),
          support: box(section.querySelector('.patron-support')),
          section: box(section),
          slot: box(document.querySelector('.banner-slot')),
          end: document.querySelector('.patron-slot').shadowRoot.querySelector('.patron-appeal').classList.contains('patron-banner'),
        };
      });
      assert.ok(layout.banner && !layout.end, 'only the banner is laid out as one');
      console.log(`banner height at ${size}: ${Math.round(layout.section.height)} px`);
      if (viewport.width >= 740) {
        assert.equal(layout.display, 'grid');
        assert.ok(layout.support.left > layout.headline.right, 'the button right of the words');
      } else {
        assert.ok(layout.support.top > layout.headline.bottom, 'stacked on a phone');
      }
      assert.ok(layout.section.bottom <= layout.slot.bottom + 1, `within the reserved slot: ${JSON.stringify(layout)}`);

      const shifts = await layoutShifts(p);
      assert.equal(shifts.total, 0, `layout shift: ${JSON.stringify(shifts.shifts)}`);
      await axeClean(p, `top banner and end of article (${size})`);
      if (viewport.width >= 740) await shoot(p, 'banner');

      // Escape with focus in the banner: the × closes it, the note keeps its
      // height and takes focus, and nothing moves.
      await p.locator('.banner-slot .patron-close').focus();
      await p.keyboard.press('Escape');
      await p.locator('.banner-slot .patron-thanks').waitFor();
      assert.equal(await p.evaluate(() => document.activeElement.className), 'banner-slot');
      assert.equal(
        await p.evaluate(() => document.querySelector('.banner-slot').shadowRoot.activeElement.className),
        'patron-thanks'
      );
      const state = await p.evaluate(() => JSON.parse(localStorage.getItem('patron')));
      assert.deepEqual(state.snoozes.map((s) => [s.campaign, s.reason]), [['spring', 'close']]);
      const after = await layoutShifts(p);
      assert.equal(after.total, 0, `layout shift on close: ${JSON.stringify(after.shifts)}`);
    } finally {
      await context.close();
    }
  });

  test(`a bottom banner as a fixed overlay: CLS 0, axe-clean, Escape closes it for good (${size})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const p = await context.newPage();
    try {
      const before = await counts();
      let answered = answers(p, 2);
      await p.goto(NEWSROOM + '/bottom');
      const [first, second] = await answered;
      assert.equal(first.answer.appeal.campaign, 'spring', 'the end of the article comes first here');
      assert.deepEqual(second.request.article.shown, ['spring']);
      assert.equal(second.answer.appeal.campaign, 'overlay');
      const overlay = p.locator('.patron-overlay .patron-appeal');
      await overlay.waitFor();
      await p.locator('.patron-slot .patron-appeal').waitFor();
      assert.deepEqual(await drawn(p), ['spring', 'overlay']);

      const place = await p.evaluate(() => {
        const slot = document.querySelector('.patron-overlay');
        const r = slot.shadowRoot.querySelector('.patron-appeal').getBoundingClientRect();
        return { position: getComputedStyle(slot).position, bottom: r.bottom, left: r.left, width: r.width, height: r.height };
      });
      assert.equal(place.position, 'fixed');
      assert.equal(Math.round(place.bottom), viewport.height, 'at the bottom of the viewport');
      assert.equal(Math.round(place.width), viewport.width);
      assert.ok(place.height <= viewport.height * 0.7 + 1, `never more than 70% of the screen: ${place.height}`);
      let shifts = await layoutShifts(p);
      assert.equal(shifts.total, 0, `layout shift: ${JSON.stringify(shifts.shifts)}`);
      await axeClean(p, `bottom banner and end of article (${size})`);
      if (viewport.width < 740) await shoot(p, 'banner-bottom-phone');

      // Wait for the impression to be counted (at least half in view).
      await p.waitForFunction(() => (JSON.parse(localStorage.getItem('patron')).views || []).some((v) => v.campaign == 'overlay'));

      // From the page's last link, Tab reaches the overlay's ×; Escape
      // closes the overlay, and focus goes back to that link.
      await p.locator('#last-link').focus();
      await p.keyboard.press('Tab');
      assert.equal(await p.evaluate(() => document.querySelector('.patron-overlay').shadowRoot.activeElement?.className), 'patron-close');
      await p.keyboard.press('Escape');
      await p.waitForFunction(() => getComputedStyle(document.querySelector('.patron-overlay')).display == 'none');
      assert.equal(await p.evaluate(() => document.activeElement.id), 'last-link', 'focus is not lost');
      shifts = await layoutShifts(p);
      assert.equal(shifts.total, 0, `layout shift on close: ${JSON.stringify(shifts.shifts)}`);
      const state = await p.evaluate(() => JSON.parse(localStorage.getItem('patron')));
      assert.deepEqual(state.snoozes.map((s) => [s.campaign, s.reason]), [['overlay', 'close']]);

      // After a reload: no banner (snoozed), the end of the article still
      // shows (spring's close snooze is none).
      answered = answers(p, 2);
      await p.reload();
      const [end, banner] = await answered;
      assert.equal(end.answer.appeal.campaign, 'spring');
      assert.equal(banner.answer.appeal, null);
      assert.equal(banner.answer.reason, 'snoozed');
      await p.locator('.patron-slot .patron-appeal').waitFor();
      assert.deepEqual(await drawn(p), ['spring', null]);
      shifts = await layoutShifts(p);
      assert.equal(shifts.total, 0, `layout shift after reload: ${JSON.stringify(shifts.shifts)}`);

      // The impression and the close reached patron's counts (sent with
      // sendBeacon when the page went away).
      let now = {};
      for (let i = 0; i < 50; i++) {
        now = await counts();
        if ((now['overlay snooze_close'] || 0) > (before['overlay snooze_close'] || 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal((now['overlay impression'] || 0) - (before['overlay impression'] || 0), 1, JSON.stringify(now));
      assert.equal((now['overlay snooze_close'] || 0) - (before['overlay snooze_close'] || 0), 1, JSON.stringify(now));
    } finally {
      await context.close();
    }
  });
}

test('the bottom banner goes on “Remind me later” too, without the reminder form it has no room for', async () => {
  const context = await env.browser.newContext({ viewport: PHONE });
  const p = await context.newPage();
  try {
    await p.goto(NEWSROOM + '/bottom');
    await p.locator('.patron-overlay .patron-appeal').waitFor();
    await p.locator('.patron-overlay [data-patron-action=later]').click();
    await p.waitForFunction(() => getComputedStyle(document.querySelector('.patron-overlay')).display == 'none');
    assert.equal(await p.locator('.patron-overlay .patron-remind').count(), 0);
    const state = await p.evaluate(() => JSON.parse(localStorage.getItem('patron')));
    assert.deepEqual(state.snoozes.map((s) => [s.campaign, s.reason]), [['overlay', 'later']]);
    const shifts = await layoutShifts(p);
    assert.equal(shifts.total, 0, `layout shift: ${JSON.stringify(shifts.shifts)}`);
  } finally {
    await context.close();
  }
});

test('without script, the top banner is an iframe of /embed/appeal?placement=banner_top, laid out as a banner', async () => {
  const r = await fetch(env.base + '/embed/appeal?article=story-1&lang=en&placement=banner_top');
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.match(html, /<section class="patron-appeal patron-banner" [^>]*data-campaign="spring"/);
  const end = await (await fetch(env.base + '/embed/appeal?article=story-1&lang=en')).text();
  assert.match(end, /<section class="patron-appeal" [^>]*data-campaign="spring"/, 'spring also runs at the end, not as a banner there');
  const bottom = await fetch(env.base + '/embed/appeal?article=story-1&lang=en&placement=banner_bottom');
  assert.match(await bottom.text(), /data-campaign="overlay"/);
  const bad = await fetch(env.base + '/embed/appeal?article=story-1&lang=en&placement=' + 'x'.repeat(70));
  assert.equal(bad.status, 400);

  // In a 1280 px frame of 240 px, script off: side by side, and it fits.
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 240 }, javaScriptEnabled: false });
  const p = await context.newPage();
  try {
    await p.goto(env.base + '/embed/appeal?article=story-1&lang=en&placement=banner_top');
    const support = await p.locator('.patron-support').boundingBox();
    const headline = await p.locator('.patron-headline').boundingBox();
    assert.ok(support.x > headline.x + headline.width, 'the button right of the words');
    assert.ok(support.y + support.height <= 240, `the button within the frame: ${JSON.stringify(support)}`);
    assert.ok(await p.evaluate(() => document.documentElement.scrollHeight <= 241), 'no scrolling in the frame');
  } finally {
    await context.close();
  }
});
