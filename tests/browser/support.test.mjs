// The support page, reached from the appeal: server-side validation of the
// monthly minimum (2 units), and a good pledge saved as pending while no
// payment processor is configured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, DESKTOP } from './lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

const isPost = (base) => (r) =>
  r.url() === base + '/support' && r.request().method() === 'POST';

// Types an amount in "Other" and sends it. With script the page states the
// amount first (the statement carries the token the server checks); without,
// the server answers with a page that states it, and this confirms it.
async function submitOther(page, amount, scripted = true) {
  const form = page.locator('form[method="post" i]').filter({ has: page.locator('[name="other_amount"]') });
  assert.equal(await form.count(), 1, 'one support form with an "other amount" field');
  const frequency = await form.locator('input[name="frequency"]:checked').getAttribute('value');
  await form.locator(`input[name="amount_${frequency}"][value="other"]`).check();
  await form.locator('[name="other_amount"]').fill(String(amount));
  if (scripted) await page.locator('#patron-statement:not([hidden])').waitFor({ timeout: 5000 });
  const answered = page.waitForResponse(isPost(env.base));
  await form.locator('button[type="submit"]:not(.patron-secondary)').first().click();
  let response = await answered;
  await page.waitForLoadState('domcontentloaded');
  if (response.status() === 200 && (await page.locator('form.patron-check').count()) > 0) {
    const again = page.waitForResponse(isPost(env.base));
    await page.locator('form.patron-check[method="post"] button').click();
    response = await again;
    await page.waitForLoadState('domcontentloaded');
  }
  return response;
}

// The message tied to the amount field, as a screen reader would find it.
async function amountMessage(page) {
  const input = page.locator('[name="other_amount"]');
  assert.equal(await input.getAttribute('aria-invalid'), 'true', 'the amount field is marked invalid');
  const ids = (await input.getAttribute('aria-describedby')) || '';
  assert.ok(ids, 'the amount field points at its message');
  const texts = [];
  for (const id of ids.split(/\s+/)) texts.push(await page.locator(`[id="${id}"]`).innerText());
  return texts.join(' ');
}

for (const javaScriptEnabled of [true, false]) {
  test(`a monthly pledge of 1 is refused with the minimum, and 2 is saved as pending (JS ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const context = await env.browser.newContext({ viewport: DESKTOP, javaScriptEnabled });
    const page = await context.newPage();
    try {
      const shown = await page.goto(env.base + '/support?frequency=monthly&currency=USD&lang=en');
      assert.equal(shown.status(), 200);
      assert.ok(await page.locator('input[name="frequency"][value="monthly"]').isChecked(),
        'monthly is chosen, as the link asked');

      const refused = await submitOther(page, 1, javaScriptEnabled);
      assert.equal(refused.status(), 422);
      const message = await amountMessage(page);
      assert.match(message, /minimum|at least|least/i, `message: ${message}`);
      assert.match(message, /2/, `the message names the minimum: ${message}`);
      assert.doesNotMatch(await page.locator('body').innerText(), /pending/i);
      // The form comes back with the reader's choices kept.
      assert.ok(await page.locator('input[name="frequency"][value="monthly"]').isChecked());
      assert.equal(await page.locator('[name="other_amount"]').inputValue(), '1');

      const accepted = await submitOther(page, 2, javaScriptEnabled);
      assert.equal(accepted.status(), 201);
      const text = await page.locator('body').innerText();
      assert.match(text, /pending/i);
      assert.match(text, /not set up/i);
      assert.match(text, /nothing (?:has been|was) charged/i);
      assert.match(text, /\$2(?:\.00)?\b/);
      assert.match(text, /monthly/i);
    } finally {
      await context.close();
    }
  });
}

test('a one-off pledge of 1 is accepted (the one-off minimum is 1)', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  try {
    await page.goto(env.base + '/support?frequency=one_off&currency=USD&lang=en');
    const response = await submitOther(page, 1);
    assert.equal(response.status(), 201);
    assert.match(await page.locator('body').innerText(), /pending/i);
  } finally {
    await context.close();
  }
});

test('the Russian support page refuses 1 in Russian', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  try {
    await page.goto(env.base + '/support?frequency=monthly&currency=USD&lang=ru');
    assert.equal(await page.getAttribute('html', 'lang'), 'ru');
    const refused = await submitOther(page, 1);
    assert.equal(refused.status(), 422);
    assert.match(await amountMessage(page), /[а-яё]/i);
  } finally {
    await context.close();
  }
});
