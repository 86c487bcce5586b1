// No request leaves for anyone but patron, and no cookie is set, on the demo
// article: while it loads, while the appeal is seen, dismissed and reloaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, APPEAL, SLOT, PHONE, DESKTOP, sleep } from './lib.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.teardown();
});

for (const [name, viewport] of Object.entries({ desktop: DESKTOP, phone: PHONE })) {
  test(`only patron is asked for anything, and no cookie is set (${name})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    const urls = [];
    const setCookies = [];
    context.on('request', (r) => urls.push(r.url()));
    context.on('response', async (r) => {
      const header = await r.headerValue('set-cookie').catch(() => null);
      if (header) setCookies.push(`${r.url()}: ${header}`);
    });
    try {
      const events = page.waitForRequest((r) => r.url() === env.base + '/v1/events', { timeout: 10000 });
      await page.goto(env.base + '/');
      await page.locator(APPEAL).scrollIntoViewIfNeeded({ timeout: 10000 });
      await events;
      await page.locator(`${SLOT} [data-patron-action="later"]`).click();
      await page.reload();
      await page.goto(env.base + '/ru');
      await sleep(2500);

      const paths = urls.map((u) => new URL(u).pathname);
      for (const expected of ['/', '/demo.css', '/widget.js', '/appeal.css', '/v1/appeal', '/v1/events', '/ru']) {
        assert.ok(paths.includes(expected), `${expected} was requested`);
      }
      const foreign = urls.filter((u) => new URL(u).origin !== env.base);
      assert.deepEqual(foreign, [], 'requests to other origins');
      assert.deepEqual(await context.cookies(), []);
      assert.equal(await page.evaluate(() => document.cookie), '');
      assert.deepEqual(setCookies, []);
    } finally {
      await context.close();
    }
  });
}

test('the demo articles load nothing from elsewhere, even in their markup', async () => {
  for (const path of ['/', '/ru']) {
    const html = await (await fetch(env.base + path)).text();
    const refs = [...html.matchAll(/\b(?:src|href|action)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]);
    assert.ok(refs.length > 3);
    const absolute = refs.filter((r) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(r));
    assert.deepEqual(absolute, [], `${path} refers to other hosts`);
  }
});
