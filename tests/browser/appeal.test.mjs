// The appeal at the end of the demo article: where it shows, what the widget
// asks for, "Remind me later", and reader state that is missing or broken.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, readerState, APPEAL, SLOT, DESKTOP, sleep } from './lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

async function newPage(options = {}) {
  const context = await env.browser.newContext({ viewport: DESKTOP, ...options });
  const page = await context.newPage();
  // Uncaught errors, and anything patron's Content-Security-Policy blocked.
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  return { context, page, errors };
}

test('the demo article shows the appeal right after its last paragraph', async () => {
  const { context, page, errors } = await newPage();
  try {
    await page.goto(env.base + '/');
    const headline = page.locator(`${SLOT} .patron-headline`);
    await headline.waitFor({ state: 'visible', timeout: 10000 });
    assert.ok((await headline.innerText()).trim().length > 3, 'the headline has text');

    const layout = await page.evaluate(() => {
      const slot = document.querySelector('[data-patron]');
      const paragraphs = [...document.querySelectorAll('main p')];
      const last = paragraphs[paragraphs.length - 1];
      const root = slot.shadowRoot;
      const section = root && root.querySelector('section.patron-appeal');
      const headline = section && section.querySelector('.patron-headline');
      return {
        inShadowRoot: !!section && !document.querySelector('.patron-appeal'),
        labelledBy: section && section.getAttribute('aria-labelledby'),
        headlineId: headline && headline.id,
        stylesheet: !!(root && root.querySelector('link[rel=stylesheet][href$="/appeal.css"]')),
        slotFollowsLast: !!(last.compareDocumentPosition(slot) & Node.DOCUMENT_POSITION_FOLLOWING),
        nothingBetween: (() => {
          // No paragraph of the page lies between the last paragraph and the slot.
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT);
          walker.currentNode = last;
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (n === slot) return true;
            if (n.tagName === 'P' || n.tagName === 'H2') return false;
          }
          return false;
        })(),
        lastBottom: last.getBoundingClientRect().bottom,
        sectionTop: section && section.getBoundingClientRect().top,
        footerTop: document.querySelector('footer').getBoundingClientRect().top,
        slotBottom: slot.getBoundingClientRect().bottom,
        supportTarget: section && section.querySelector('form.patron-form').target,
      };
    });
    assert.ok(layout.inShadowRoot, 'the appeal lives in the slot’s shadow root only');
    assert.ok(layout.stylesheet, 'the shadow root links /appeal.css');
    assert.equal(layout.labelledBy, layout.headlineId, 'the region is labelled by its headline');
    const headlineText = (await headline.innerText()).trim();
    assert.equal(await page.getByRole('region', { name: headlineText }).count(), 1,
      'the appeal is a region named by its headline');
    assert.ok(layout.slotFollowsLast && layout.nothingBetween, 'the slot follows the last paragraph');
    assert.ok(layout.sectionTop >= layout.lastBottom, 'the appeal is drawn below the last paragraph');
    assert.ok(layout.footerTop >= layout.slotBottom, 'the footer comes after the slot');
    assert.equal(layout.supportTarget, '_top');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the Russian article shows the appeal in Russian', async () => {
  const { context, page, errors } = await newPage();
  try {
    await page.goto(env.base + '/ru');
    assert.equal(await page.getAttribute('html', 'lang'), 'ru');
    const appeal = page.locator(APPEAL);
    await appeal.waitFor({ state: 'visible', timeout: 10000 });
    assert.equal(await appeal.getAttribute('lang'), 'ru');
    assert.match(await page.locator(`${SLOT} .patron-headline`).innerText(), /[а-яё]/i);
    assert.equal(await page.locator('a[href="/"][hreflang="en"]').count() > 0, true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the widget asks patron with the slot’s article and the reader’s state, as text/plain', async () => {
  const { context, page } = await newPage();
  try {
    const asked = page.waitForRequest((r) => r.url() === env.base + '/v1/appeal');
    await page.goto(env.base + '/');
    const request = await asked;
    assert.equal(request.method(), 'POST');
    assert.match(request.headers()['content-type'], /^text\/plain/);
    const body = JSON.parse(request.postData());
    assert.deepEqual(body.article, {
      id: 'demo-article',
      language: 'en',
      section: 'investigations',
      tags: ['courts', 'press-freedom'],
    });
    const { reader } = body;
    assert.ok(Number.isInteger(reader.bucket) && reader.bucket >= 0 && reader.bucket < 2 ** 32);
    assert.equal(reader.supporter, false);
    const week = Math.floor(Date.now() / 1000 / 604800);
    assert.deepEqual(reader.weeks, [{ week, count: 1 }]);
    await page.locator(APPEAL).waitFor({ timeout: 10000 });

    // The bucket is drawn once and kept; each page view counts once this week.
    const first = await readerState(page);
    assert.equal(first.bucket, reader.bucket);
    await page.reload();
    await page.locator(APPEAL).waitFor({ timeout: 10000 });
    const second = await readerState(page);
    assert.equal(second.bucket, reader.bucket);
    assert.deepEqual(second.weeks, [{ week, count: 2 }]);
  } finally {
    await context.close();
  }
});

test('"Remind me later" hides the appeal, it stays hidden after a reload, and clearing storage brings it back', async () => {
  const { context, page, errors } = await newPage();
  try {
    await page.goto(env.base + '/');
    const appeal = page.locator(APPEAL);
    await appeal.waitFor({ state: 'visible', timeout: 10000 });
    const campaign = await appeal.getAttribute('data-campaign');
    const slotHeight = await page.locator(SLOT).evaluate((el) => el.offsetHeight);

    await page.locator(`${SLOT} [data-patron-action="later"]`).click();
    await appeal.waitFor({ state: 'detached', timeout: 5000 });
    assert.equal(page.url(), env.base + '/', 'the dismiss form was not submitted');
    const note = page.locator(`${SLOT} .patron-thanks`);
    assert.match(await note.innerText(), /thank/i);
    assert.equal(await page.locator(SLOT).evaluate((el) => el.offsetHeight), slotHeight,
      'the slot keeps its height');

    const state = await readerState(page);
    assert.equal(state.snoozes.length, 1);
    assert.equal(state.snoozes[0].campaign, campaign);
    assert.equal(state.snoozes[0].reason, 'later');
    assert.ok(Math.abs(state.snoozes[0].at - Date.now() / 1000) < 120);

    const answered = page.waitForResponse((r) => r.url() === env.base + '/v1/appeal');
    await page.reload();
    const answer = await (await answered).json();
    assert.equal(answer.appeal, null);
    assert.equal(answer.reason, 'snoozed');
    await sleep(500);
    assert.equal(await page.locator(APPEAL).count(), 0, 'no appeal after the reload');

    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('garbage in localStorage reads as a new reader and is replaced by clean state', async () => {
  const { context, page, errors } = await newPage();
  try {
    await page.addInitScript(() => {
      if (!sessionStorage.getItem('seeded')) {
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem(
          'patron',
          JSON.stringify({
            bucket: 'x',
            supporter: 'yes',
            views: [
              1,
              null,
              { campaign: 'c', at: -5 },
              { campaign: 'old', at: 100 },
              { campaign: 'Not An Id', at: 1764390000 },
              { campaign: 'ok', at: 1764390000, extra: 1 },
            ],
            snoozes: { a: 1 },
            weeks: [{ week: 1, count: 3 }, 'w', { week: 2 ** 40, count: 1 }],
            unknown: true,
          })
        );
      }
    });
    const asked = page.waitForRequest((r) => r.url() === env.base + '/v1/appeal');
    await page.goto(env.base + '/');
    const body = JSON.parse((await asked).postData());
    assert.ok(Number.isInteger(body.reader.bucket));
    assert.equal(body.reader.supporter, false);
    assert.deepEqual(body.reader.views, [{ campaign: 'ok', at: 1764390000 }]);
    assert.deepEqual(body.reader.snoozes, []);
    assert.equal(body.reader.weeks.length, 1, 'weeks from 1970 and the far future are pruned');
    await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });

    await page.evaluate(() => localStorage.setItem('patron', '{not json'));
    await page.reload();
    await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
    const state = await readerState(page);
    assert.ok(Number.isInteger(state.bucket));
    assert.deepEqual(Object.keys(state).sort(), ['bucket', 'former_supporter', 'snoozes', 'supporter', 'views', 'weeks']);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the appeal still shows when localStorage is unavailable', async () => {
  const { context, page, errors } = await newPage();
  try {
    await page.addInitScript(() => {
      Object.defineProperty(window, 'localStorage', {
        get() {
          throw new DOMException('storage is disabled', 'SecurityError');
        },
      });
    });
    await page.goto(env.base + '/');
    await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
    // And dismissing it still works, for this page view.
    await page.locator(`${SLOT} [data-patron-action="close"]`).click();
    await page.locator(APPEAL).waitFor({ state: 'detached', timeout: 5000 });
    assert.equal(page.url(), env.base + '/');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the appeal is keyboard-reachable with visible focus and never takes focus itself', async () => {
  const { context, page } = await newPage();
  try {
    await page.goto(env.base + '/');
    await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
    await sleep(300);
    assert.equal(await page.evaluate(() => document.activeElement === document.body), true,
      'focus stays where it was');
    const support = page.locator(`${SLOT} .patron-support`);
    await support.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const outline = await support.evaluate((el) => {
      const s = getComputedStyle(el);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    assert.notEqual(outline.style, 'none');
    assert.ok(outline.width >= 2, `focus outline is ${outline.width}px`);
  } finally {
    await context.close();
  }
});
