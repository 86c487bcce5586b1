// No layout shift: the appeal arrives in space the page reserved, at desktop
// and phone widths, in both languages, and even when the reader is already
// looking at the slot when the answer comes in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, layoutShifts, geometry, APPEAL, SLOT, DESKTOP, PHONE, sleep } from './lib.mjs';
import { reservedByPage } from './slot-lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

const VIEWPORTS = { desktop: DESKTOP, phone: PHONE, 'small phone': { width: 320, height: 568 } };

for (const [name, viewport] of Object.entries(VIEWPORTS)) {
  test(`layout shift is 0 over a load and 2 s at the ${name} size`, async () => {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await page.goto(env.base + '/');
      await page.locator(APPEAL).waitFor({ state: 'attached', timeout: 10000 });
      await sleep(2000);
      // Read the article to its end (scrolling is not a shift), then wait again.
      await page.locator(APPEAL).scrollIntoViewIfNeeded();
      await sleep(500);
      const { total, shifts } = await layoutShifts(page);
      assert.equal(total, 0, `layout shifts: ${JSON.stringify(shifts)}`);
      assert.ok(await page.locator(APPEAL).isVisible(), 'the appeal was shown');
    } finally {
      await context.close();
    }
  });

  for (const path of ['/', '/ru']) {
    test(`the appeal fits the reserved height at the ${name} size (${path})`, async () => {
      const context = await env.browser.newContext({ viewport });
      const page = await context.newPage();
      try {
        await page.goto(env.base + path);
        await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
        const g = await geometry(page);
        // What demo.css reserves (the slot itself now fits the appeal).
        const reserved = await reservedByPage(page);
        assert.ok(reserved > 0, 'the page reserves the slot’s height');
        assert.ok(g.appeal.height <= reserved, `appeal ${g.appeal.height}px > reserved ${reserved}px`);
        assert.ok(g.slot.height >= g.appeal.height && g.slot.height < g.appeal.height + 1,
          'below the screen, the slot fits the appeal: no empty band');
        assert.equal(g.appealScrolls, false, 'the appeal is not cut off into a scroll box');
        // And it is not wider than the phone screen.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
        assert.equal(overflow, false, 'nothing overflows sideways');
      } finally {
        await context.close();
      }
    });
  }

  test(`no shift when the slot is on screen as the appeal arrives (${name})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      // Hold patron's answer until the reader has scrolled to the slot.
      let release;
      const gate = new Promise((resolve) => (release = resolve));
      await page.route('**/v1/appeal', async (route) => {
        await gate;
        await route.continue();
      });
      await page.goto(env.base + '/');
      await page.locator(SLOT).evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await sleep(300);
      const before = await geometry(page);
      assert.equal(before.appeal, null, 'the appeal is not there yet');
      const inView = await page.locator(SLOT).evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= innerHeight;
      });
      assert.ok(inView, 'the whole slot is on screen');

      release();
      await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
      await sleep(2000);
      const after = await geometry(page);
      assert.equal(after.footer.top, before.footer.top, 'the footer did not move');
      assert.equal(after.slot.height, before.slot.height, 'the slot kept its height');
      const { total, shifts } = await layoutShifts(page);
      assert.equal(total, 0, `layout shifts: ${JSON.stringify(shifts)}`);
    } finally {
      await context.close();
    }
  });
}

test('no shift when the appeal’s stylesheet arrives after the answer', async () => {
  const context = await env.browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  try {
    // The answer waits for the reader to reach the slot; the stylesheet
    // comes a second and a half after that.
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    await page.route('**/v1/appeal', async (route) => {
      await gate;
      await route.continue();
    });
    let styled;
    const stylesheet = new Promise((resolve) => (styled = resolve));
    await page.route('**/appeal.css', async (route) => {
      await gate;
      await sleep(1500);
      await route.fallback().catch(() => {});
      styled();
    });
    await page.goto(env.base + '/', { waitUntil: 'domcontentloaded' });
    await page.locator(SLOT).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await sleep(300);
    const before = await geometry(page);
    release();
    await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
    await stylesheet;
    await sleep(1000);
    const after = await geometry(page);
    assert.equal(after.footer.top, before.footer.top, 'the footer did not move');
    const { total, shifts } = await layoutShifts(page);
    assert.equal(total, 0, `layout shifts: ${JSON.stringify(shifts)}`);
  } finally {
    await context.close();
  }
});

test('with no appeal for this reader, a slot on screen keeps its space', async () => {
  const context = await env.browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  try {
    // A reader who said "I already support" a minute ago.
    await page.addInitScript(() => {
      localStorage.setItem(
        'patron',
        JSON.stringify({
          bucket: 7,
          snoozes: [{ campaign: 'demo-2026', reason: 'supporting', at: Math.floor(Date.now() / 1000) - 60 }],
        })
      );
    });
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    await page.route('**/v1/appeal', async (route) => {
      await gate;
      await route.continue();
    });
    const answered = page.waitForResponse((r) => r.url() === env.base + '/v1/appeal');
    await page.goto(env.base + '/');
    await page.locator(SLOT).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await sleep(300);
    const before = await geometry(page);
    release();
    const answer = await (await answered).json();
    assert.equal(answer.appeal, null, 'patron chose no appeal');
    await sleep(1500);
    const after = await geometry(page);
    assert.equal(after.appeal, null);
    assert.equal(after.slot.height, before.slot.height);
    assert.equal(after.footer.top, before.footer.top);
    const { total, shifts } = await layoutShifts(page);
    assert.equal(total, 0, `layout shifts: ${JSON.stringify(shifts)}`);
  } finally {
    await context.close();
  }
});

test('with no appeal for this reader, a slot below the screen gives its space back', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  try {
    await page.addInitScript(() => {
      localStorage.setItem(
        'patron',
        JSON.stringify({
          bucket: 7,
          snoozes: [{ campaign: 'demo-2026', reason: 'close', at: Math.floor(Date.now() / 1000) - 60 }],
        })
      );
    });
    const answered = page.waitForResponse((r) => r.url() === env.base + '/v1/appeal');
    await page.goto(env.base + '/');
    assert.equal((await (await answered).json()).appeal, null);
    await sleep(500);
    const g = await geometry(page);
    assert.equal(g.slot.height, 0, 'the slot collapsed');
    const { total, shifts } = await layoutShifts(page);
    assert.equal(total, 0, `layout shifts: ${JSON.stringify(shifts)}`);
  } finally {
    await context.close();
  }
});
