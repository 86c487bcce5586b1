// Counting: an impression once half the appeal is on screen, sent in a batch
// with sendBeacon and accepted by patron; nothing counted for an appeal no one
// saw; snoozes and clicks counted too.
//
// The proof that patron took the events is its own answer to POST
// /v1/events (202 with "accepted") and its /metrics counter (read with the
// admin token `patron demo` prints).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, readerState, APPEAL, SLOT, DESKTOP, PHONE, sleep } from './lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

const isEvents = (base) => (r) => r.url() === base + '/v1/events' && r.method() === 'POST';
const isEventsAnswer = (base) => (r) => isEvents(base)(r.request());

async function metric(name) {
  const text = await (await fetch(env.base + '/metrics', { headers: { Authorization: `Bearer ${env.patron.adminToken()}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.trim().split(/\s+/).pop()) : NaN;
}

test('an impression reaches patron once half the appeal is visible', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  try {
    const acceptedBefore = await metric('patron_events_accepted_total');
    const requests = [];
    page.on('request', (r) => isEvents(env.base)(r) && requests.push(r));

    await page.goto(env.base + '/');
    const appeal = page.locator(APPEAL);
    await appeal.waitFor({ state: 'attached', timeout: 10000 });
    const campaign = await appeal.getAttribute('data-campaign');
    const variant = await appeal.getAttribute('data-variant');

    // Below the fold: not seen, not counted.
    const below = await page.locator(SLOT).evaluate((el) => el.getBoundingClientRect().top >= innerHeight);
    assert.ok(below, 'the slot starts below the fold at this size');
    await sleep(2500);
    assert.equal(requests.length, 0, 'no event for an appeal no one has seen');
    assert.deepEqual((await readerState(page)).views, []);

    const sent = page.waitForRequest(isEvents(env.base), { timeout: 10000 });
    const answered = page.waitForResponse(isEventsAnswer(env.base), { timeout: 10000 });
    await appeal.scrollIntoViewIfNeeded();
    const request = await sent;
    assert.match(request.headers()['content-type'] || '', /^text\/plain/);
    const { events } = JSON.parse(request.postData());
    assert.deepEqual(events, [{ kind: 'impression', campaign, variant }]);

    const response = await answered;
    assert.equal(response.status(), 202);
    const body = await response.json();
    assert.equal(body.accepted, 1, `patron's answer: ${JSON.stringify(body)}`);
    assert.equal(body.ignored, 0);

    if (!Number.isNaN(acceptedBefore)) {
      assert.equal(await metric('patron_events_accepted_total'), acceptedBefore + 1);
    }

    // The view is in the reader's log, with the time it was seen.
    const { views } = await readerState(page);
    assert.equal(views.length, 1);
    assert.equal(views[0].campaign, campaign);
    assert.ok(Math.abs(views[0].at - Date.now() / 1000) < 120);

    // Once per page view: scrolling away and back counts nothing more.
    await page.evaluate(() => scrollTo(0, 0));
    await sleep(300);
    await appeal.scrollIntoViewIfNeeded();
    await sleep(2500);
    assert.equal(requests.length, 1, 'one impression per page view');
  } finally {
    await context.close();
  }
});

test('patron counts the impression in /metrics', async () => {
  const before = await metric('patron_events_accepted_total');
  assert.ok(!Number.isNaN(before), 'patron_events_accepted_total is exported');
  const context = await env.browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  try {
    const answered = page.waitForResponse(isEventsAnswer(env.base), { timeout: 10000 });
    await page.goto(env.base + '/');
    await page.locator(APPEAL).scrollIntoViewIfNeeded({ timeout: 10000 });
    assert.equal((await answered).status(), 202);
    assert.equal(await metric('patron_events_accepted_total'), before + 1);
  } finally {
    await context.close();
  }
});

test('snoozes and clicks are counted; a hidden page flushes the queue at once', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  try {
    const batches = [];
    page.on('request', (r) => isEvents(env.base)(r) && batches.push(JSON.parse(r.postData()).events));
    await page.goto(env.base + '/');
    const appeal = page.locator(APPEAL);
    await appeal.scrollIntoViewIfNeeded({ timeout: 10000 });
    const campaign = await appeal.getAttribute('data-campaign');
    const variant = await appeal.getAttribute('data-variant');

    // "I already support" right away, before the delayed flush, then the tab
    // is hidden: everything leaves in one beacon.
    const sent = page.waitForRequest(isEvents(env.base), { timeout: 10000 });
    await page.locator(`${SLOT} [data-patron-action="supporting"]`).click();
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const events = JSON.parse((await sent).postData()).events;
    assert.deepEqual(events, [
      { kind: 'impression', campaign, variant },
      { kind: 'snooze_supporting', campaign, variant },
    ]);
    assert.equal((await readerState(page)).snoozes[0].reason, 'supporting');
    assert.equal(batches.length, 1);

    // A fresh reader clicks "Support us": a click event, and the support page
    // opens in the same (top) window.
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await appeal.scrollIntoViewIfNeeded({ timeout: 10000 });
    const clickSent = page.waitForRequest(
      (r) => isEvents(env.base)(r) && r.postData().includes('"click"'),
      { timeout: 10000 }
    );
    await page.locator(`${SLOT} .patron-support`).click();
    const clickEvents = JSON.parse((await clickSent).postData()).events;
    assert.ok(clickEvents.some((e) => e.kind === 'click' && e.campaign === campaign));
    await page.waitForURL((url) => url.pathname === '/support', { timeout: 10000 });
  } finally {
    await context.close();
  }
});
