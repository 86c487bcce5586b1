// Copy that counts (issue 15, item 2) end to end: the widget counts the
// articles this browser read, sends the weeks, and the appeal says how many,
// in the reader's language and plural form; nothing moves on the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminApi, setup, layoutShifts, PHONE, SLOT } from './lib.mjs';

let env;
let admin;

before(async () => {
  env = await setup();
  admin = adminApi(env);
  // Above the demo campaign, for readers of at least 2 articles in 4 weeks.
  await admin('POST', '/v1/admin/campaigns', {
    id: 'counting', status: 'live', priority: 60, languages: ['en', 'ru'],
    articles_read: { weeks: 4, min: 2 },
    frequency_cap: { views: 0 },
    variants: [{
      id: 'a', text: {
        en: { headline: 'You have read {articles} in {weeks}', body: 'Support us from {min_amount} a month.' },
        ru: { headline: 'Вы прочитали {articles} за {weeks}', body: 'Поддержите нас от {min_amount} в месяц.' },
      },
    }],
  });
});
after(async () => {
  await env?.teardown();
});

for (const [path, expected] of [
  ['/', ['You have read 2\u00a0articles in 4\u00a0weeks', 'You have read 3\u00a0articles in 4\u00a0weeks']],
  ['/ru', ['Вы прочитали 2\u00a0статьи за 4\u00a0недели', 'Вы прочитали 3\u00a0статьи за 4\u00a0недели',
    'Вы прочитали 4\u00a0статьи за 4\u00a0недели', 'Вы прочитали 5\u00a0статей за 4\u00a0недели']],
]) {
  test(`the appeal counts this browser's articles (${path})`, async () => {
    const context = await env.browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    try {
      // The first article read: below the campaign's minimum, the demo's appeal.
      await page.goto(env.base + path);
      await page.locator(`${SLOT} .patron-appeal`).waitFor({ timeout: 15000 });
      assert.notEqual(await page.locator(`${SLOT} .patron-appeal`).getAttribute('data-campaign'), 'counting');
      for (const headline of expected) {
        await page.goto(env.base + path);
        const appeal = page.locator(`${SLOT} .patron-appeal[data-campaign="counting"]`);
        await appeal.waitFor({ timeout: 15000 });
        assert.equal((await appeal.locator('.patron-headline').innerText()).trim(), headline);
        const body = (await appeal.locator('.patron-body').innerText()).trim();
        assert.ok(!body.includes('{'), body);
        assert.match(body, path === '/' ? /from \$2 a month/ : /от (\$2|2\u00a0\$) в месяц/);
        assert.equal((await layoutShifts(page)).total ?? 0, 0);
      }
    } finally {
      await context.close();
    }
  });
}
