// The call to action is never hidden, and the slot never shifts the page
// (issue 9, item 6). An appeal taller than the space the page reserved keeps
// its amounts and Support button in sight: arriving on screen it clamps its
// body copy behind "Read more"; out of sight the slot fits it. Space the
// appeal does not use (a short appeal, or no appeal at all) is given back only
// while the slot is out of sight, below the viewport or above it, where
// Chromium's scroll anchoring keeps what the reader sees in place. Every test
// runs at phone and desktop widths and measures layout shift with
// PerformanceObserver('layout-shift'), as layout.test.mjs does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, layoutShifts, geometry, APPEAL, SLOT, DESKTOP, PHONE, sleep } from './lib.mjs';
import { withPage, gated, rewriteAppeal, reservedByPage } from './slot-lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

const VIEWPORTS = { phone: PHONE, desktop: DESKTOP };

const PARAGRAPH =
  'Our reporters spent eleven months in the archives of the regional court, reading ' +
  'every ruling the judges handed down, and every one of those months was paid for ' +
  'by readers like you, who gave what they could so that the story could be told.';
const LONG_BODY = `<div class="patron-body">${`<p>${PARAGRAPH}</p>`.repeat(7)}</div>`;
const lengthen = (appeal) => {
  appeal.html = appeal.html.replace(/<div class="patron-body">[\s\S]*?<\/div>/, LONG_BODY);
};

// Opens the article with patron's answer held back (its body made long when
// asked), puts the reader where `place` says, then lets the answer through.
// Returns the geometry from just before the answer (and where the spacer was
// on screen).
async function arrive(page, { long = false, path = '/', spacer = false, place = centre } = {}) {
  const { gate, release } = gated();
  await rewriteAppeal(page, long ? lengthen : () => {}, gate);
  await page.goto(env.base + path);
  if (spacer) await addSpacer(page);
  await place(page);
  await sleep(300);
  const before = await geometry(page);
  if (spacer) before.spacer = await spacerTop(page);
  release();
  return before;
}

// The whole slot on screen.
const centre = (page) => page.locator(SLOT).evaluate((el) => el.scrollIntoView({ block: 'center' }));

// A tall block after the footer (comments, more stories), so that the reader
// can scroll the slot out of sight above the viewport.
const addSpacer = (page) =>
  page.evaluate(() => {
    const spacer = document.createElement('div');
    spacer.id = 'spacer';
    spacer.style.height = '3000px';
    spacer.textContent = 'More stories';
    document.body.append(spacer);
  });

// Scrolls so that the slot's bottom is 150px above the viewport.
const scrollPast = (page) =>
  page.evaluate(() => {
    const slot = document.querySelector('[data-patron]');
    scrollTo(0, slot.getBoundingClientRect().bottom + scrollY + 150);
  });

const spacerTop = (page) => page.evaluate(() => document.getElementById('spacer').getBoundingClientRect().top);

// Where the call to action is: the Support button and every amount are inside
// the viewport and are what the reader would touch there (not clipped, not
// scrolled away inside the appeal).
const callToAction = (page) =>
  page.evaluate(() => {
    const root = document.querySelector('[data-patron]').shadowRoot;
    const section = root.querySelector('.patron-appeal');
    // The amounts of the frequency chosen: the others' are not drawn.
    const labels = [...root.querySelectorAll('.patron-amounts label')].filter((l) => l.getClientRects().length > 0);
    const targets = [root.querySelector('.patron-support'), ...labels];
    const hidden = [];
    for (const el of targets) {
      const r = el.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      const hit = r.top >= 0 && r.bottom <= innerHeight && root.elementFromPoint(x, y);
      if (!hit || !(hit === el || el.contains(hit))) hidden.push(el.textContent.trim());
    }
    return {
      hidden,
      targets: targets.length,
      scrollBox: section.scrollHeight > section.clientHeight + 1 || getComputedStyle(section).overflowY !== 'visible',
      more: !!root.querySelector('.patron-more'),
    };
  });

// Scrolls the Support button into view and checks the call to action is whole.
async function assertWholeCallToAction(page) {
  await page.locator(`${SLOT} .patron-support`).scrollIntoViewIfNeeded();
  await sleep(300);
  const cta = await callToAction(page);
  assert.deepEqual(cta.hidden, [], 'the Support button and the amounts are in sight');
  assert.equal(cta.scrollBox, false, 'the appeal is not a scroll box');
  assert.equal(cta.more, false, 'nothing is clamped');
}

// The slot fits its content, rounded up to a whole pixel.
const fits = (slot, content, message) =>
  assert.ok(slot >= content && slot < content + 1, `${message}: slot ${slot}px, content ${content}px`);

const noShift = async (page) => {
  const { total, shifts } = await layoutShifts(page);
  assert.equal(total, 0, `layout shifts: ${JSON.stringify(shifts)}`);
};

for (const [name, viewport] of Object.entries(VIEWPORTS)) {
  test(`a long appeal arriving on screen clamps its body, not its button (${name})`, () =>
    withPage(env.browser, viewport, async (page) => {
      const before = await arrive(page, { long: true });
      await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
      await sleep(1000);
      const after = await geometry(page);
      assert.equal(after.slot.height, before.slot.height, 'the slot kept its height');
      assert.equal(after.footer.top, before.footer.top, 'the footer did not move');
      await noShift(page);
      const cta = await callToAction(page);
      assert.ok(cta.targets >= 2);
      assert.deepEqual(cta.hidden, [], 'the Support button and the amounts are in sight');
      assert.equal(cta.scrollBox, false, 'the appeal is not a scroll box');
      assert.ok(after.appeal.bottom <= after.slot.bottom + 0.5, 'the appeal fits the slot');

      // "Read more" shows the whole body; that move follows the reader's own input.
      const more = page.locator(`${SLOT} .patron-more`);
      assert.equal(await more.innerText(), 'Read more');
      await more.click();
      await sleep(500);
      const body = await page.locator(SLOT).evaluate((slot) => {
        const b = slot.shadowRoot.querySelector('.patron-body');
        return { whole: b.scrollHeight <= b.clientHeight + 1, focused: slot.shadowRoot.activeElement === b };
      });
      assert.deepEqual(body, { whole: true, focused: true });
      assert.equal(await more.count(), 0);
      const { shifts } = await layoutShifts(page);
      assert.deepEqual(shifts.filter((s) => !s.hadRecentInput), [], 'no shift the reader did not cause');
    }));

  test(`a long appeal below the screen grows the slot, whole (${name})`, () =>
    withPage(env.browser, viewport, async (page) => {
      await rewriteAppeal(page, lengthen);
      await page.goto(env.base + '/');
      await page.locator(APPEAL).waitFor({ state: 'attached', timeout: 10000 });
      await sleep(500);
      const g = await geometry(page);
      assert.ok(g.appeal.height > (await reservedByPage(page)), 'the appeal is taller than the reserved space');
      fits(g.slot.height, g.appeal.height, 'the slot fits the whole appeal');
      await assertWholeCallToAction(page);
      await noShift(page);
    }));

  test(`a long appeal arriving above the screen grows the slot without moving the page (${name})`, () =>
    withPage(env.browser, viewport, async (page) => {
      const before = await arrive(page, { long: true, spacer: true, place: scrollPast });
      await page.locator(APPEAL).waitFor({ state: 'attached', timeout: 10000 });
      await sleep(1000);
      assert.equal(await spacerTop(page), before.spacer, 'what the reader sees stayed put');
      await noShift(page);
      const g = await geometry(page);
      fits(g.slot.height, g.appeal.height, 'the slot fits the whole appeal');
      await assertWholeCallToAction(page);
    }));

  test(`a short appeal below the screen leaves no empty band (${name})`, () =>
    withPage(env.browser, viewport, async (page) => {
      await page.goto(env.base + '/');
      await page.locator(APPEAL).waitFor({ state: 'attached', timeout: 10000 });
      await sleep(500);
      const g = await geometry(page);
      assert.ok(g.appeal.height < (await reservedByPage(page)), 'the demo appeal is shorter than its slot');
      fits(g.slot.height, g.appeal.height, 'the slot fits the appeal');
      await page.locator(APPEAL).scrollIntoViewIfNeeded();
      await sleep(300);
      await noShift(page);
    }));

  test(`a short appeal seen arriving keeps its slot until the reader scrolls up away (${name})`, () =>
    withPage(env.browser, viewport, async (page) => {
      const before = await arrive(page);
      await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
      await sleep(500);
      const shown = await geometry(page);
      assert.equal(shown.slot.height, before.slot.height, 'on screen, the slot keeps its height');
      assert.ok(shown.appeal.height < shown.slot.height);

      await page.evaluate(() => scrollTo(0, 0));
      await sleep(500);
      fits((await geometry(page)).slot.height, shown.appeal.height, 'out of sight, the empty band is gone');
      await noShift(page);
    }));

  test(`a short appeal seen arriving gives its band back once read past (${name})`, () =>
    withPage(env.browser, viewport, async (page) => {
      await arrive(page, { spacer: true });
      await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
      await sleep(500);
      const shown = await geometry(page);

      await scrollPast(page);
      await sleep(300);
      const top = await spacerTop(page);
      await sleep(700);
      assert.equal(await spacerTop(page), top, 'what the reader sees stayed put');
      fits((await geometry(page)).slot.height, shown.appeal.height, 'above the screen, the empty band is gone');
      await noShift(page);
    }));

  test(`on a page that turns scroll anchoring off, a slot read past keeps its band (${name})`, () =>
    withPage(env.browser, viewport, async (page) => {
      const before = await arrive(page, {
        spacer: true,
        place: async (p) => {
          await p.evaluate(() => (document.documentElement.style.overflowAnchor = 'none'));
          await centre(p);
        },
      });
      await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10000 });
      await sleep(300);
      await scrollPast(page);
      await sleep(1000);
      assert.equal((await geometry(page)).slot.height, before.slot.height, 'the slot kept its height');
      await noShift(page);
    }));

  for (const where of ['below', 'above']) {
    test(`with no appeal, a slot on screen collapses once it is ${where} the screen (${name})`, () =>
      withPage(env.browser, viewport, async (page) => {
        // The reader snoozed the appeal a minute ago and reloaded.
        await page.addInitScript(() => {
          localStorage.setItem(
            'patron',
            JSON.stringify({
              bucket: 7,
              snoozes: [{ campaign: 'demo-2026', reason: 'later', at: Math.floor(Date.now() / 1000) - 60 }],
            })
          );
        });
        const answered = page.waitForResponse((r) => r.url() === env.base + '/v1/appeal');
        const before = await arrive(page, { spacer: true });
        assert.equal((await (await answered).json()).appeal, null, 'patron chose no appeal');
        await sleep(500);
        assert.equal((await geometry(page)).slot.height, before.slot.height, 'on screen, the space stays');

        let top;
        if (where == 'below') {
          await page.evaluate(() => scrollTo(0, 0));
        } else {
          await scrollPast(page);
          await sleep(300);
          top = await spacerTop(page);
        }
        await sleep(700);
        if (top !== undefined) assert.equal(await spacerTop(page), top, 'what the reader sees stayed put');
        assert.equal((await geometry(page)).slot.height, 0, 'the blank slot collapsed');
        await noShift(page);
      }));
  }
}

test('"Read more" speaks Russian on the Russian article', () =>
  withPage(env.browser, PHONE, async (page) => {
    await arrive(page, { long: true, path: '/ru' });
    const more = page.locator(`${SLOT} .patron-more`);
    await more.waitFor({ state: 'visible', timeout: 10000 });
    assert.equal(await more.innerText(), 'Читать дальше');
    assert.deepEqual((await callToAction(page)).hidden, []);
  }));
