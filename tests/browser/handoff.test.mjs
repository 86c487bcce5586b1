// The thank-you page leads back to the article with #patron-supporter: the
// widget there, whose storage the thank-you page cannot reach from another
// origin, remembers that the reader now supports and shows no appeal. And the
// support form carries the article's address for that link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, DESKTOP, SLOT, APPEAL, readerState, sleep } from './lib.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { if (env) await env.teardown(); });

test('#patron-supporter on the article makes the reader a supporter and hides appeals', async () => {
    const context = await env.browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
        await page.goto(`${env.base}/?from=thanks#patron-supporter`);
        await page.waitForFunction(() => location.hash === '', null, { timeout: 5000 });
        assert.equal(new URL(page.url()).search, '?from=thanks', 'the address is tidied, the query kept');
        assert.equal((await readerState(page)).supporter, true);
        await sleep(1500);
        assert.equal(await page.locator(APPEAL).count(), 0, 'no appeal for a supporter');
        await page.reload();
        await sleep(1500);
        assert.equal(await page.locator(APPEAL).count(), 0, 'still none after a reload');
    } finally {
        await context.close();
    }
});

test('"Support us" carries the article\'s address to the support page', async () => {
    const context = await env.browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
        await page.goto(`${env.base}/?ref=1`);
        const support = page.locator(`${SLOT} [data-patron-action="support"]`);
        await support.waitFor({ timeout: 15_000 });
        // A preset goes straight on (here, with no processor, to the pending
        // page); the article's address travels in the form.
        const [posted] = await Promise.all([
            page.waitForRequest((r) => r.url() === `${env.base}/support` && r.method() === 'POST'),
            support.click(),
        ]);
        assert.equal(new URLSearchParams(posted.postData()).get('return'), `${env.base}/?ref=1`);
        await page.waitForLoadState('domcontentloaded');
        const back = page.locator('a', { hasText: /Back to the article/ }).first();
        assert.equal(await back.getAttribute('href'), `${env.base}/?ref=1`);
    } finally {
        await context.close();
    }
});
