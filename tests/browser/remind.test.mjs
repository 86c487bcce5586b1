// After "Remind me later", one reminder by email in a month the reader picks
// (docs/API.md, "Reminders by email" and "In the widget"), in the space the
// appeal had.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, geometry, layoutShifts, APPEAL, SLOT, DESKTOP, PHONE } from './lib.mjs';
import { reservedByPage, rewriteAppeal } from './slot-lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

const FORM = `${SLOT} form[data-patron-remind]`;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

// The rule: before the 20th of this month (UTC), next month; from the 20th,
// the month after.
function defaultMonth(now = new Date()) {
  const ahead = now.getUTCDate() < 20 ? 1 : 2;
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1));
  return { value: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`, month: d.getUTCMonth() };
}

async function snoozeLater(page, path = '/') {
  await page.goto(env.base + path);
  await page.locator(APPEAL).scrollIntoViewIfNeeded({ timeout: 10000 });
  const before = await geometry(page);
  before.campaign = await page.locator(APPEAL).getAttribute('data-campaign');
  before.variant = await page.locator(APPEAL).getAttribute('data-variant');
  await page.locator(`${SLOT} [data-patron-action="later"]`).click();
  await page.locator(FORM).waitFor({ state: 'visible', timeout: 5000 });
  return before;
}

test('"Remind me later" offers one email in a chosen month, and signs the reader up', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  try {
    const before = await snoozeLater(page);
    assert.match(await page.locator(`${SLOT} .patron-thanks`).first().innerText(), /thank you/i);

    // Twelve months from next month, the rule's month chosen, named on the button.
    const options = await page.locator(`${FORM} select option`).evaluateAll((os) =>
      os.map((o) => ({ value: o.value, selected: o.selected }))
    );
    assert.equal(options.length, 12);
    const expected = defaultMonth();
    assert.equal(options.find((o) => o.selected).value, expected.value);
    const now = new Date();
    const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    assert.equal(options[0].value, `${first.getUTCFullYear()}-${String(first.getUTCMonth() + 1).padStart(2, '0')}`);
    const button = page.locator(`${FORM} button[type="submit"]`);
    assert.equal(await button.innerText(), `Email me in ${MONTHS[expected.month]}`);

    // Labelled fields.
    await page.getByLabel('Email address').waitFor();
    const other = options.find((o) => !o.selected).value;
    await page.getByLabel('Month').selectOption(other);
    assert.equal(await button.innerText(), `Email me in ${MONTHS[Number(other.slice(5)) - 1]}`);
    await page.getByLabel('Month').selectOption(expected.value);

    // An address the browser lets through but patron refuses: patron's
    // message, beside the form; nothing moves.
    await page.getByLabel('Email address').fill('reader@localhost');
    const refused = page.waitForResponse((r) => r.url() === env.base + '/v1/reminders');
    await button.click();
    assert.equal((await refused).status(), 422);
    const alert = page.locator(`${FORM} [role="alert"]`);
    await alert.filter({ hasText: /\S/ }).waitFor({ timeout: 5000 });
    assert.match(await alert.innerText(), /address/i);

    // A good one: sent as text/plain JSON, confirmed with the month.
    await page.getByLabel('Email address').fill('reader@example.org');
    const sent = page.waitForRequest((r) => r.url() === env.base + '/v1/reminders');
    const answered = page.waitForResponse((r) => r.url() === env.base + '/v1/reminders');
    await button.click();
    const request = await sent;
    assert.match(request.headers()['content-type'], /^text\/plain/);
    assert.deepEqual(JSON.parse(request.postData()), {
      email: 'reader@example.org',
      month: expected.value,
      language: 'en',
      campaign: before.campaign,
      variant: before.variant,
    });
    assert.equal((await answered).status(), 200);
    const done = page.locator(`${SLOT} .patron-thanks`).filter({ hasText: /Done/ });
    await done.waitFor({ timeout: 5000 });
    assert.equal(await done.innerText(), `Done: we will email you in ${MONTHS[expected.month]}, just once.`);
    assert.equal(await page.locator(FORM).count(), 0);

    const after = await geometry(page);
    assert.equal(after.slot.height, before.slot.height, 'the slot kept its height throughout');
    assert.equal(after.footer.top, before.footer.top);
    const { shifts } = await layoutShifts(page);
    const unexpected = shifts.filter((s) => !s.hadRecentInput);
    assert.deepEqual(unexpected, [], 'no shift that the reader did not cause');
  } finally {
    await context.close();
  }
});

test('the reminder form speaks Russian on the Russian article and fits a small phone', async () => {
  const context = await env.browser.newContext({ viewport: { width: 320, height: 568 } });
  const page = await context.newPage();
  try {
    const before = await snoozeLater(page, '/ru');
    const expected = defaultMonth();
    const button = page.locator(`${FORM} button[type="submit"]`);
    assert.match(await button.innerText(), /^Напомнить в [а-я]+е$/);
    await page.getByLabel('Электронная почта').fill('chitatel@example.org');
    const sent = page.waitForRequest((r) => r.url() === env.base + '/v1/reminders');
    await button.click();
    const body = JSON.parse((await sent).postData());
    assert.equal(body.language, 'ru');
    assert.equal(body.month, expected.value);
    const done = page.locator(`${SLOT} .patron-thanks`).filter({ hasText: /Готово/ });
    await done.waitFor({ timeout: 5000 });
    assert.match(await done.innerText(), /^Готово: мы напишем вам в [а-я]+е, один раз\.$/);
    const after = await geometry(page);
    assert.equal(after.slot.height, before.slot.height);
  } finally {
    await context.close();
  }
});

for (const [name, viewport] of Object.entries({ phone: PHONE, desktop: DESKTOP })) {
  test(`the form takes its room on the reader's click, and a late error moves nothing (${name})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      // patron's refusal arrives well after the click (a slow network).
      await page.route('**/v1/reminders', async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await route.continue();
      });
      await snoozeLater(page);
      const held = await geometry(page);
      // With an error message showing, the tallest the form gets.
      await page.getByLabel('Email address').fill('x@y');
      await page.locator(`${FORM} button[type="submit"]`).click();
      await page.locator(`${FORM} [role="alert"]`).filter({ hasText: /\S/ }).waitFor({ timeout: 5000 });
      const content = await page.locator(SLOT).evaluate((slot) =>
        [...slot.shadowRoot.children].reduce((sum, el) => sum + el.getBoundingClientRect().height, 0)
      );
      const after = await geometry(page);
      assert.ok(content <= after.slot.height, `the note and form take ${content}px of ${after.slot.height}px`);
      assert.equal(after.slot.height, held.slot.height, 'the error came without moving the slot');
      assert.equal(after.footer.top, held.footer.top);
      // And the height the demo page reserves holds the form, error included.
      const reserved = await reservedByPage(page);
      assert.ok(content <= reserved, `the note and form take ${content}px of the ${reserved}px reserved`);
      const { shifts } = await layoutShifts(page);
      assert.deepEqual(shifts.filter((s) => !s.hadRecentInput), [], 'no shift that the reader did not cause');
    } finally {
      await context.close();
    }
  });
}

test('"Close" and "I already support" offer no email form', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  try {
    for (const action of ['close', 'supporting']) {
      await page.goto(env.base + '/');
      await page.evaluate(() => localStorage.clear());
      await page.reload();
      await page.locator(APPEAL).scrollIntoViewIfNeeded({ timeout: 10000 });
      await page.locator(`${SLOT} [data-patron-action="${action}"]`).click();
      await page.locator(`${SLOT} .patron-thanks`).waitFor({ timeout: 5000 });
      assert.equal(await page.locator(FORM).count(), 0, `no form after ${action}`);
    }
  } finally {
    await context.close();
  }
});

// Patron's answer with `appeal.remind` set as a server with (true) or without
// (false) email configured sends it.
const remindFlag = (page, remind) => rewriteAppeal(page, (appeal) => (appeal.remind = remind));

for (const [name, viewport] of Object.entries({ phone: PHONE, desktop: DESKTOP })) {
  test(`with email off on the server ("remind": false), "Remind me later" offers no email form (${name})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await remindFlag(page, false);
      await page.goto(env.base + '/');
      await page.locator(APPEAL).scrollIntoViewIfNeeded({ timeout: 10000 });
      await page.locator(`${SLOT} [data-patron-action="later"]`).click();
      const note = page.locator(`${SLOT} .patron-thanks`);
      await note.waitFor({ timeout: 5000 });
      assert.equal(await note.innerText(), 'Thank you. We will ask again another time.');
      assert.equal(await page.locator(FORM).count(), 0, 'no email form');
    } finally {
      await context.close();
    }
  });

  test(`"remind": true offers the email form (${name})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await remindFlag(page, true);
      await snoozeLater(page);
      assert.equal(await page.locator(FORM).count(), 1);
    } finally {
      await context.close();
    }
  });

  test(`the error under the email field goes once the address is corrected (${name})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await snoozeLater(page);
      const field = page.getByLabel('Email address');
      await field.fill('reader@localhost');
      await page.locator(`${FORM} button[type="submit"]`).click();
      const alert = page.locator(`${FORM} [role="alert"]`);
      await alert.filter({ hasText: /\S/ }).waitFor({ timeout: 5000 });
      assert.ok(await alert.isVisible(), 'the error shows');
      await field.pressSequentially('.org');
      assert.equal(await alert.textContent(), '', 'the error is gone');
      assert.equal(await alert.isVisible(), false);
    } finally {
      await context.close();
    }
  });
}
