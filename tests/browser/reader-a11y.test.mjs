// Accessibility of every page a reader meets on the way to a pledge, at phone
// and desktop width: the article with its appeal, the no-script frame, the
// support page (with a refusal and with its live statement), the step that
// states a typed amount, and the pending page. axe-core must find nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, DESKTOP, PHONE, SLOT } from './lib.mjs';
import { axe } from './dashboard-lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

const submit = (page) => page.locator('.patron-support-form button[type="submit"]:not(.patron-secondary)');

// framed: a document that lives in the article's frame, whose page has its
// own main landmark and first-level heading.
const PAGE_RULES = ['landmark-one-main', 'page-has-heading-one'];

async function check(page, name, { framed = false } = {}) {
  const report = await axe(page, name);
  const found = report.violations.filter((v) => !(framed && PAGE_RULES.includes(v.id)));
  assert.equal(found.length, 0, `${report.line}\n${JSON.stringify(found, null, 1).slice(0, 3000)}`);
}

for (const viewport of [PHONE, DESKTOP]) {
  const size = `${viewport.width}px`;

  test(`the article with its appeal and the support pages have no axe violation (${size})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await page.goto(env.base + '/');
      await page.locator(`${SLOT} .patron-support`).waitFor({ timeout: 15000 });
      await check(page, `article (${size})`);

      await page.goto(env.base + '/support?lang=ru&currency=EUR&frequency=annual');
      await page.locator('#other_amount').fill('1,000,5');
      await page.locator('#patron-statement:not([hidden])').waitFor({ timeout: 5000 });
      await check(page, `support, live refusal (${size})`);
      await Promise.all([page.waitForResponse((r) => r.url().endsWith('/support')), submit(page).click()]);
      await check(page, `support, 422 (${size})`);
      await page.locator('#other_amount').fill('30');
      await page.locator('#patron-statement', { hasText: /30\u00a0€/ }).waitFor({ timeout: 5000 });
      await check(page, `support, live statement (${size})`);
      await Promise.all([page.waitForResponse((r) => r.url().endsWith('/support')), submit(page).click()]);
      await page.locator('.patron-pledge').waitFor();
      await check(page, `pending (${size})`);
    } finally {
      await context.close();
    }
  });

  test(`without script, the frame, the support page and the check step have no axe violation (${size})`, async () => {
    // axe itself needs script: the pages get none of patron's instead.
    const context = await env.browser.newContext({ viewport });
    await context.route('**/support.js', (route) => route.abort());
    const page = await context.newPage();
    try {
      await page.goto(env.base + '/embed/appeal?article=a&lang=en');
      await check(page, `embed (${size})`, { framed: true });
      await page.goto(env.base + '/support?lang=en&currency=USD&frequency=monthly');
      await check(page, `support, no script (${size})`);
      await page.locator('input[name="amount_monthly"][value="other"]').check();
      await page.locator('#other_amount').fill('3,50');
      await Promise.all([page.waitForResponse((r) => r.url().endsWith('/support')), submit(page).click()]);
      await page.locator('form.patron-check').first().waitFor();
      await check(page, `check step (${size})`);
    } finally {
      await context.close();
    }
  });
}
