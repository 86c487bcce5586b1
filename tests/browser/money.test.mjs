// Issue 9, "Money": a donor is never charged what they did not mean. The
// amount is read as the reader's language writes it, the page states what
// will be charged before the processor, typing in "Other" chooses "Other",
// and the amounts follow the frequency and the currency, with and without
// script, in English and Russian, at phone and desktop width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, DESKTOP, PHONE, SLOT } from './lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

const isPost = (r) => r.url() === env.base + '/support' && r.request().method() === 'POST';

async function withPage(options, fn) {
  const context = await env.browser.newContext(options);
  const page = await context.newPage();
  try {
    await fn(page);
  } finally {
    await context.close();
  }
}

const statement = (page) => page.locator('#patron-statement:not([hidden])');
const send = async (page, locator) => {
  const answered = page.waitForResponse(isPost);
  await locator.click();
  const response = await answered;
  await page.waitForLoadState('domcontentloaded');
  return response;
};

for (const [lang, said, shown] of [
  ['en', /You will give \$3\.50 every month/, /\$3\.50, Monthly/],
  ['ru', /Вы будете перечислять 3,50\u00a0\$ каждый месяц/, /3,50\u00a0\$, Ежемесячно/],
]) {
  for (const viewport of [PHONE, DESKTOP]) {
    test(`"3,50" is $3.50, stated before anything is charged (${lang}, JS on, ${viewport.width}px)`, async () => {
      await withPage({ viewport }, async (page) => {
        await page.goto(`${env.base}/support?lang=${lang}&currency=USD&frequency=monthly`);
        // $5 is preselected; typing in "Other" must choose "Other".
        assert.ok(await page.locator('input[name="amount_monthly"][value="5"]').isChecked());
        await page.locator('#other_amount').fill('3,50');
        assert.ok(await page.locator('input[name="amount_monthly"][value="other"]').isChecked(),
          'typing in Other chose Other');
        await page.locator('#patron-statement', { hasText: said }).waitFor({ timeout: 5000 });
        const done = await send(page, page.locator('.patron-support-form button[type="submit"]:not(.patron-secondary)'));
        assert.equal(done.status(), 201, 'stated, so no extra step');
        assert.match(await page.locator('.patron-pledge').innerText(), shown);
      });
    });
  }

  test(`without script, "3,50" gets one step that states $3.50 (${lang})`, async () => {
    await withPage({ viewport: PHONE, javaScriptEnabled: false }, async (page) => {
      await page.goto(`${env.base}/support?lang=${lang}&currency=USD&frequency=monthly`);
      await page.locator('input[name="amount_monthly"][value="other"]').check();
      await page.locator('#other_amount').fill('3,50');
      const check = await send(page, page.locator('.patron-support-form button[type="submit"]:not(.patron-secondary)'));
      assert.equal(check.status(), 200);
      assert.match(await page.locator('.patron-statement').innerText(), said);
      const done = await send(page, page.locator('form.patron-check[method="post"] button'));
      assert.equal(done.status(), 201);
      assert.match(await page.locator('.patron-pledge').innerText(), shown);
    });
  });
}

test('an ambiguous amount is refused in the reader\'s language, and the message goes once corrected', async () => {
  await withPage({ viewport: DESKTOP }, async (page) => {
    await page.goto(`${env.base}/support?lang=ru&currency=EUR&frequency=monthly`);
    await page.locator('#other_amount').fill('1,000,5');
    await statement(page).waitFor({ timeout: 5000 });
    await page.locator('#patron-statement', { hasText: /разделител/ }).waitFor({ timeout: 5000 });
    const refused = await send(page, page.locator('.patron-support-form button[type="submit"]:not(.patron-secondary)'));
    assert.equal(refused.status(), 422);
    const message = await page.locator('#amount-error').innerText();
    assert.match(message, /[а-яё]/i, message);
    assert.doesNotMatch(message, /[a-z]{3,}/i, `no English in: ${message}`);
    await page.locator('#other_amount').fill('1000,50');
    await page.locator('#patron-statement', { hasText: /1\u00a0000,50\u00a0€ каждый месяц/ }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#amount-error').count(), 0, 'the stale error is gone');
    assert.equal(await page.locator('#other_amount').getAttribute('aria-invalid'), null);
  });
});

test('without script, a preset and a typed amount together are refused, never guessed', async () => {
  await withPage({ viewport: DESKTOP, javaScriptEnabled: false }, async (page) => {
    await page.goto(`${env.base}/support?lang=en&currency=USD&frequency=monthly`);
    await page.locator('#other_amount').fill('25');
    // $5 is still the chosen button.
    const refused = await send(page, page.locator('.patron-support-form button[type="submit"]:not(.patron-secondary)'));
    assert.equal(refused.status(), 422);
    assert.match(await page.locator('#amount-error').innerText(), /picked an amount and also typed one/);
  });
});

for (const javaScriptEnabled of [true, false]) {
  test(`the amounts follow the frequency and the currency (JS ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    await withPage({ viewport: PHONE, javaScriptEnabled }, async (page) => {
      await page.goto(`${env.base}/support?lang=en&currency=USD&frequency=monthly`);
      const visibleLabels = () => page.locator('.patron-amounts:visible label').allInnerTexts();
      assert.deepEqual((await visibleLabels()).map((t) => t.trim()), ['$2', '$5', '$10', 'Other']);
      await page.locator('input[name="frequency"][value="annual"]').check();
      const annual = (await visibleLabels()).map((t) => t.trim());
      assert.ok(!annual.includes('$2'), `no "$2 a year": ${annual}`);
      assert.deepEqual(annual, ['$24', '$60', '$120', 'Other']);

      await page.locator('#currency').selectOption('JPY');
      if (!javaScriptEnabled) {
        await page.locator('button', { hasText: 'Show amounts in this currency' }).click();
      }
      // With script the page is redrawn at /support?currency=JPY...; without,
      // the button POSTs (an address typed on the form stays out of the URL).
      if (javaScriptEnabled) await page.waitForURL(/currency=JPY/, { timeout: 5000 });
      await page.locator('label[for="other_amount"]', { hasText: 'JPY' }).waitFor({ timeout: 5000 });
      assert.ok(await page.locator('input[name="frequency"][value="annual"]').isChecked(), 'the frequency is kept');
      const yen = (await visibleLabels()).map((t) => t.trim());
      assert.ok(yen.every((t) => t == 'Other' || /^¥\d{1,3}(,\d{3})*$/.test(t)), `labels in yen, as English writes them: ${yen}`);
      assert.ok(await page.locator('.patron-amounts[data-frequency="annual"] input[value="6000"]').isChecked(),
        'the new currency\'s default, not "Other"');
    });
  });
}

test('without script, a preset shown in the old currency is not pledged in the new one', async () => {
  await withPage({ viewport: DESKTOP, javaScriptEnabled: false }, async (page) => {
    await page.goto(`${env.base}/support?lang=en&currency=USD&frequency=monthly`);
    await page.locator('#currency').selectOption('JPY');
    const again = await send(page, page.locator('.patron-support-form button[type="submit"]:not(.patron-secondary)').last());
    assert.equal(again.status(), 200);
    assert.match(await page.locator('.patron-notice').innerText(), /now shown in the currency you chose/);
    assert.match(await page.locator('label[for="other_amount"]').innerText(), /JPY/);
  });
});

test('the appeal shows the chosen frequency\'s amounts, in the widget and in the frame', async () => {
  for (const javaScriptEnabled of [true, false]) {
    await withPage({ viewport: DESKTOP, javaScriptEnabled }, async (page) => {
      await page.goto(env.base + '/');
      const root = javaScriptEnabled ? page.locator(SLOT) : page.frameLocator(`${SLOT} iframe.patron-frame`).locator('body');
      await root.locator('.patron-support').waitFor({ timeout: 15000 });
      await root.locator('input[name="frequency"][value="annual"]').check();
      const labels = (await root.locator('.patron-amounts:visible label').allInnerTexts()).map((t) => t.trim());
      assert.deepEqual(labels, ['$24', '$60', '$120', 'Other'], `JS ${javaScriptEnabled}: ${labels}`);
    });
  }
});

test('"Other" on the appeal opens the support page ready to type, with the newsroom and a way back', async () => {
  await withPage({ viewport: PHONE }, async (page) => {
    await page.goto(env.base + '/');
    await page.locator(`${SLOT} .patron-support`).waitFor({ timeout: 15000 });
    await page.locator(`${SLOT} input[name="amount_monthly"][value="other"]`).check();
    await send(page, page.locator(`${SLOT} .patron-support`));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'other_amount', 'the box has focus');
    assert.match(await page.locator('h1').innerText(), /A message from the newsroom/, 'the appeal\'s headline');
    assert.ok(await page.locator('.patron-newsroom').innerText(), 'the newsroom\'s name');
    assert.equal(await page.locator('a.patron-back').getAttribute('href'), env.base + '/');
    assert.match(await page.locator('.patron-trust').innerText(), /change or cancel at any time/);
  });
});
