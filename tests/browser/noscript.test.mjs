// With JavaScript off (Tor Browser's safest mode), the slot's <noscript>
// iframe shows the appeal, and its forms work without a line of script.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, DESKTOP, PHONE } from './lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

const VIEWPORTS = { desktop: DESKTOP, phone: PHONE, 'small phone': { width: 320, height: 568 } };
for (const [name, viewport] of Object.entries(VIEWPORTS)) {
  for (const [path, lang] of [['/', 'en'], ['/ru', 'ru']]) {
    test(`without JavaScript the iframe shows the appeal (${name}, ${path})`, async () => {
      const context = await env.browser.newContext({ viewport, javaScriptEnabled: false });
      const page = await context.newPage();
      try {
        await page.goto(env.base + path);
        const iframe = page.locator('[data-patron] iframe.patron-frame');
        await iframe.waitFor({ state: 'visible', timeout: 10000 });
        assert.equal(
          await iframe.getAttribute('src'),
          `/embed/appeal?article=demo-article&section=investigations&tags=courts,press-freedom&lang=${lang}`
        );
        const frame = page.frameLocator('[data-patron] iframe.patron-frame');
        const headline = frame.locator('.patron-headline');
        await headline.waitFor({ state: 'visible', timeout: 10000 });
        assert.ok((await headline.innerText()).trim().length > 3);
        // Styled by /appeal.css, and the frame is tall enough for it.
        const fit = await frame.locator('.patron-appeal').evaluate((el) => ({
          styled: getComputedStyle(el).borderTopStyle !== 'none',
          fits: document.documentElement.scrollHeight <= innerHeight,
        }));
        assert.ok(fit.styled, 'the appeal is styled inside the frame');
        assert.ok(fit.fits, 'the appeal fits the frame without scrolling');
        assert.equal(await frame.locator('.patron-appeal').getAttribute('lang'), lang);
      } finally {
        await context.close();
      }
    });
  }
}

test('without JavaScript "Support us" with a preset goes on in the top window', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(env.base + '/');
    const frame = page.frameLocator('[data-patron] iframe.patron-frame');
    await frame.locator('.patron-support').click({ timeout: 10000 });
    await page.waitForURL((url) => url.pathname === '/support', { timeout: 10000 });
    const url = new URL(page.url());
    assert.equal(url.origin, env.base, 'the support page is patron’s');
    assert.equal(page.frames().length, 1, 'the top window navigated, not the frame');
    assert.equal(await page.locator('iframe').count(), 0);
    // The preset chosen ($5 monthly) is the pledge: no processor here, so
    // the pending page says what was recorded.
    const text = await page.locator('body').innerText();
    assert.match(text, /\$5, Monthly/, text);
    assert.match(text, /nothing (?:has been|was) charged/i);
  } finally {
    await context.close();
  }
});

test('without JavaScript "Remind me later" answers inside the frame', async () => {
  const context = await env.browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(env.base + '/');
    const frame = page.frameLocator('[data-patron] iframe.patron-frame');
    await frame.locator('[data-patron-action="later"]').click({ timeout: 10000 });
    await frame.locator('body').filter({ hasText: /thank you/i }).waitFor({ timeout: 10000 });
    assert.equal(page.url(), env.base + '/', 'the article stays open');
  } finally {
    await context.close();
  }
});
