// The newsletter appeal (GET /embed/email) as a reader's mail app would show
// it, in headless Chromium: opened on a phone it fetches nothing beyond
// itself, has no script, form or image, fits 390 px, draws its button in the
// newsroom's colour from inline styles only, and its amount links open the
// support page with that amount chosen, in English and in Russian.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, PHONE } from './lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

for (const lang of ['en', 'ru']) {
  test(`the ${lang} newsletter appeal is email-safe and leads to the support page`, async () => {
    const context = await env.browser.newContext({ viewport: PHONE });
    try {
      const page = await context.newPage();
      const requested = [];
      page.on('request', (r) => requested.push(r.url()));
      const refused = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused/i.test(m.text())) refused.push(m.text());
      });
      const address = `${env.base}/embed/email?campaign=demo-2026&lang=${lang}`;
      const response = await page.goto(address);
      assert.equal(response.status(), 200);
      await page.waitForLoadState('load');
      assert.deepEqual(requested, [address], 'opening it fetches nothing else');
      assert.deepEqual(refused, [], 'its inline styles apply');

      const found = await page.evaluate(() => ({
        banned: [...document.querySelectorAll('script, style, link, img, form, input, button, iframe, svg')]
          .map((e) => e.tagName),
        hrefs: [...document.querySelectorAll('[href]')].map((e) => e.getAttribute('href')),
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        styled: [...document.querySelectorAll('*')].filter((e) => e.hasAttribute('class')).length,
      }));
      assert.deepEqual(found.banned, []);
      assert.equal(found.styled, 0, 'no class: email clients drop stylesheets');
      assert.ok(found.overflow <= 0, `wider than a phone by ${found.overflow} px`);
      assert.ok(found.hrefs.length >= 5);
      for (const href of found.hrefs) {
        const url = new URL(href); // a relative link throws
        assert.equal(url.origin, env.base, href);
        assert.equal(url.pathname, '/support', href);
        assert.equal(url.searchParams.get('campaign'), 'demo-2026', href);
        assert.equal(url.searchParams.get('variant'), 'a', href);
        assert.equal(url.searchParams.get('lang'), lang, href);
      }

      // The button, drawn by its cell's inline style in the accent colour.
      const button = page.getByRole('link', { name: lang === 'en' ? 'Support us' : 'Поддержать' });
      assert.equal(await button.count(), 1);
      const colour = await button.evaluate((a) => getComputedStyle(a.parentElement).backgroundColor);
      assert.equal(colour, 'rgb(11, 92, 173)', 'the default accent_color');

      // "$10" a month: the support page opens with it chosen.
      const ten = page.locator('a[href*="amount_monthly=10"]');
      assert.equal(await ten.count(), 1);
      assert.match(await ten.innerText(), /10/);
      await Promise.all([page.waitForURL(/\/support\?/), ten.click()]);
      await page.waitForLoadState('domcontentloaded');
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      const form = page.locator('form.patron-support-form');
      assert.equal(await form.locator('input[name="frequency"][value="monthly"]').isChecked(), true);
      assert.equal(await form.locator('input[name="amount_monthly"][value="10"]').isChecked(), true);
      assert.equal(await form.locator('input[name="campaign"]').getAttribute('value'), 'demo-2026');
      assert.equal(await form.locator('input[name="variant"]').getAttribute('value'), 'a');
    } finally {
      await context.close();
    }
  });
}
