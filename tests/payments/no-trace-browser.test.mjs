// Leave no trace (issue 14, docs/PRIVACY.md), end to end in headless
// Chromium: from the appeal's menu the reader chooses that this device keeps
// nothing; the appeal's snooze then holds within the tab only, the support
// page and the thank-you page (after the stand-in Stripe's checkout) keep
// nothing either, and a fresh page on the same profile finds no cookie and
// no localStorage but the choice (or nothing at all, if the reader asked
// for that too), and is shown the appeal again. A newsroom's default for
// the reader's country (no_trace_countries, from the proxy's header) does
// the same without a choice.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser } from '../browser/lib.mjs';
import { startPatron, startSmtp, startStandin, stopClean, tail } from './lib.mjs';

const APPEAL = '[data-patron] .patron-appeal';
let standin;
let smtp;
let patron;
let browser;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({
        stripe: standin, smtp, seedDemo: true, label: 'no-trace',
        config: { demo_pages: 'true', country_header: 'X-Country', no_trace_countries: 'BY, RU' },
    });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

/** Everything this origin keeps in the page's storage. */
const storage = (page) => page.evaluate(() => ({
    local: Object.fromEntries(Object.entries(localStorage)),
    session: Object.fromEntries(Object.entries(sessionStorage)),
}));

/** What a fresh page of the same profile finds: storage, cookies, and whether the appeal shows. */
async function freshLook(context) {
    const page = await context.newPage();
    try {
        // What the origin holds, read on a page of it where no widget runs.
        await page.goto(`${patron.base}/healthz`);
        const kept = await storage(page);
        const documentCookie = await page.evaluate(() => document.cookie);
        await page.goto(`${patron.base}/`);
        const shown = await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false);
        return { shown, local: kept.local, cookies: await context.cookies(), documentCookie };
    } finally {
        await page.close();
    }
}

/** Pays the stand-in's checkout from the support page with the given box state; returns the thank-you page's storage. */
async function pledgeFromSupportPage(page, email, expectTicked) {
    await page.goto(`${patron.base}/support?lang=en`);
    const box = page.locator('input[name="trace"][type="checkbox"]');
    await box.waitFor();
    assert.equal(await box.isChecked(), expectTicked, 'the support page knows what the reader chose');
    if (!expectTicked) await box.check();
    await page.locator('input[name="frequency"][value="one_off"]').check();
    await page.locator('input[name="amount_one_off"]').first().check();
    await Promise.all([
        page.waitForURL((u) => u.href.startsWith(`${standin.url}/pay/`), { timeout: 15_000 }),
        page.locator('.patron-support-form button[type="submit"]:not(.patron-secondary)').click(),
    ]);
    await page.locator('#email').fill(email);
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${patron.base}/thanks?`)), page.locator('#pay').click()]);
    assert.equal(new URL(page.url()).searchParams.get('trace'), 'none', 'the thank-you page was told');
    await page.locator('.patron-pledge').waitFor();
    return storage(page);
}

for (const remember of [true, false]) {
    test(`the appeal's menu: keep nothing${remember ? ', remembering only the choice' : ', not even the choice'}; snooze and pledge leave no trace`, { timeout: 120_000 }, async () => {
        const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        try {
            await page.goto(`${patron.base}/`);
            const appeal = page.locator(APPEAL);
            await appeal.waitFor({ state: 'visible', timeout: 15_000 });
            // A reader of this device before the choice: the widget's state is in localStorage.
            assert.ok((await storage(page)).local.patron, 'the state was kept before the choice');

            const menu = appeal.locator('details.patron-trace > summary');
            assert.equal(await menu.getAttribute('aria-label'), 'What this device keeps');
            await menu.click();
            const choice = appeal.getByRole('button', {
                name: remember ? 'Keep nothing, and remember only this choice' : 'Keep nothing, not even this choice',
            });
            await choice.click();
            const status = appeal.locator('.patron-keeps-nothing');
            await status.waitFor({ state: 'visible' });
            assert.match(await status.innerText(), /This device keeps nothing after you close this tab\./);
            assert.equal(/may come back on your next visit/.test(await status.innerText()), !remember);
            let kept = await storage(page);
            assert.deepEqual(kept.local, remember ? { 'patron-trace': 'none' } : {}, 'localStorage holds the choice at most');
            assert.ok(kept.session.patron, 'the state moved into the tab');

            // "Remind me later": the snooze holds within the tab.
            await appeal.locator('[data-patron-action="later"]').click();
            await page.locator('[data-patron] .patron-thanks').waitFor();
            const asking = page.waitForRequest((r) => r.url() === `${patron.base}/v1/appeal`);
            await page.reload();
            const asked = await asking;
            assert.equal(JSON.parse(asked.postData()).reader.snoozes.length, 1, 'the snooze is sent from the tab');
            await page.waitForTimeout(800);
            assert.equal(await page.locator(APPEAL).count(), 0, 'the appeal stays away within the tab');
            kept = await storage(page);
            assert.deepEqual(kept.local, remember ? { 'patron-trace': 'none' } : {});

            // A pledge from the support page, through the stand-in's checkout.
            const thanks = await pledgeFromSupportPage(page, `no-trace-${remember}@example.org`, true);
            assert.deepEqual(thanks.local, remember ? { 'patron-trace': 'none' } : {}, 'the thank-you page kept nothing lasting');
            assert.equal(JSON.parse(thanks.session.patron).supporter, true, 'the supporter mark lives in the tab');

            // The same profile, a fresh page: nothing kept, so the appeal shows again.
            const fresh = await freshLook(context);
            assert.deepEqual(fresh.local, remember ? { 'patron-trace': 'none' } : {});
            assert.deepEqual(fresh.cookies, []);
            assert.equal(fresh.documentCookie, '');
            assert.equal(fresh.shown, true, 'a fresh page knows nothing of the snooze or the pledge');
            assert.deepEqual(errors, []);
        } catch (e) {
            try { e.message = `${e.message}\n--- patron stderr ---\n${tail(patron.stderr(), 3000)}`; } catch { /* read-only */ }
            throw e;
        } finally {
            await context.close();
        }
    });
}

test('keeping again: the state returns to localStorage and the choice is "keep"', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
        await page.goto(`${patron.base}/`);
        const appeal = page.locator(APPEAL);
        await appeal.waitFor({ state: 'visible', timeout: 15_000 });
        await appeal.locator('details.patron-trace > summary').click();
        await appeal.getByRole('button', { name: 'Keep nothing, and remember only this choice' }).click();
        await appeal.getByRole('button', { name: 'Keep my choices on this device again' }).click();
        await appeal.locator('.patron-keeps').waitFor({ state: 'visible' });
        const kept = await storage(page);
        assert.equal(kept.local['patron-trace'], 'keep');
        assert.ok(kept.local.patron, 'the state is back in localStorage');
        assert.deepEqual(Object.keys(kept.session), []);
    } finally {
        await context.close();
    }
});

test('a reader in a country the newsroom protects keeps nothing without choosing; one who chose to keep, keeps', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { 'X-Country': 'RU' } });
    const page = await context.newPage();
    try {
        const answered = page.waitForResponse((r) => r.url() === `${patron.base}/v1/appeal`);
        await page.goto(`${patron.base}/`);
        assert.equal((await answered).headers()['patron-trace'], 'none');
        await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 15_000 });
        await page.locator(`${APPEAL} [data-patron-action="later"]`).click();
        await page.waitForTimeout(300);
        let kept = await storage(page);
        assert.deepEqual(kept.local, {}, 'nothing in localStorage, not even a choice');
        assert.equal(JSON.parse(kept.session.patron).snoozes.length, 1);

        const thanks = await pledgeFromSupportPage(page, 'protected@example.org', true);
        assert.deepEqual(thanks.local, {});
        const fresh = await freshLook(context);
        assert.deepEqual(fresh.local, {});
        assert.deepEqual(fresh.cookies, []);

        // This reader asks to keep their choices on this device: it does.
        const again = await context.newPage();
        await again.goto(`${patron.base}/`);
        const appeal = again.locator(APPEAL);
        await appeal.waitFor({ state: 'visible', timeout: 15_000 });
        await appeal.locator('details.patron-trace > summary').click();
        await appeal.getByRole('button', { name: 'Keep my choices on this device again' }).click();
        await appeal.locator('[data-patron-action="later"]').click();
        kept = await storage(again);
        assert.equal(kept.local['patron-trace'], 'keep');
        assert.equal(JSON.parse(kept.local.patron).snoozes.length, 1, 'kept, as the reader asked');
        await again.reload();
        await again.waitForTimeout(800);
        assert.equal((await storage(again)).local['patron-trace'], 'keep', 'the country default does not override the choice');
    } finally {
        await context.close();
    }
});

test('no_trace_countries: only the configured countries get Patron-Trace, and a bad code stops patron', async () => {
    const ask = (country) => fetch(`${patron.base}/v1/appeal`, {
        method: 'POST', headers: { 'Content-Type': 'text/plain', 'X-Country': country },
        body: JSON.stringify({ article: { id: 'demo-article', language: 'en' }, reader: { bucket: 7 } }),
    });
    for (const [country, want] of [['RU', 'none'], ['BY', 'none'], ['RU-MOW', 'none'], ['ru', 'none'], ['DE', null], ['', null]]) {
        const res = await ask(country);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('patron-trace'), want, `country ${JSON.stringify(country)}`);
        if (want) assert.match(res.headers.get('access-control-expose-headers') ?? '', /Patron-Trace/);
    }
    await assert.rejects(startPatron({ label: 'no-trace-bad', config: { no_trace_countries: 'RUS' } }), /no_trace_countries: "RUS" is not a two-letter country code/);
});
