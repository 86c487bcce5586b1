// Local currency end to end in headless Chromium (issue 15, item 3): a reader
// whose proxy says GB sees pounds in the article's appeal, picks one, and
// the stand-in Stripe's checkout is created in GBP for that amount; the
// support page shows pounds; the server refuses less than the pound's
// minimum. The proxy's country header is the browser's extra header here.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser } from '../browser/lib.mjs';
import { ADMIN_TOKEN, eventually, http, pledgeRow, startPatron, startStandin, stopClean, tail } from './lib.mjs';

const APPEAL = '[data-patron] .patron-appeal';
let standin;
let patron;
let browser;

const CAMPAIGN = {
    id: 'local', name: 'Local', status: 'live', priority: 1000, languages: ['en', 'ru'],
    currency: 'USD', currencies: { GB: 'GBP', EU: 'EUR', '*': 'USD' }, frequency_cap: { views: 0 },
    variants: [{
        id: 'a', presets: [500, 1000], default_amount: 1000,
        currency_amounts: { GBP: { presets: [300, 700, 1500], default_amount: 700 } },
        text: { en: { headline: 'Keep us going' }, ru: { headline: 'Поддержите нас' } },
    }],
};

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    patron = await startPatron({
        stripe: standin, label: 'currency-browser',
        config: { demo_pages: 'true', country_header: 'X-Country' },
    });
    const put = await http(patron.base, 'PUT', '/v1/admin/campaigns/local', {
        body: JSON.stringify(CAMPAIGN),
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    });
    assert.equal(put.status, 200, put.body);
    await eventually(async () => {
        const r = await fetch(`${patron.base}/v1/appeal`, {
            method: 'POST', headers: { 'Content-Type': 'text/plain' },
            body: JSON.stringify({ article: { id: 'a1', language: 'en' }, reader: { bucket: 1 } }),
        });
        return (await r.json()).appeal?.campaign === 'local';
    }, { message: 'the campaign in service' });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await stopClean(patron);
    await standin?.close();
});

const labels = (scope, frequency) => scope.locator(`input[name="amount_${frequency}"]:not([value="other"])`)
    .evaluateAll((inputs) => inputs.map((input) => input.closest('label').textContent.trim()));

test('a reader from GB sees pounds and checks out in GBP with the stand-in', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { 'X-Country': 'GB' } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
        await page.goto(`${patron.base}/`);
        const appeal = page.locator(APPEAL);
        await appeal.waitFor({ state: 'visible', timeout: 15_000 });
        assert.deepEqual(await labels(appeal, 'monthly'), ['£3', '£7', '£15']);
        assert.ok(!(await appeal.innerText()).includes('$'), 'no dollars on a British reader\'s appeal');
        assert.equal(await appeal.locator('input[name="currency"]').inputValue(), 'GBP');
        await appeal.locator('input[name="frequency"][value="monthly"]').check();
        await appeal.locator('input[name="amount_monthly"][value="7"]').check();

        const sessionsBefore = standin.state.sessions.size;
        await Promise.all([
            page.waitForURL((u) => u.href.startsWith(`${standin.url}/pay/`), { timeout: 15_000 }),
            appeal.locator('button.patron-support').click(),
        ]);
        const created = [...standin.state.sessions.values()].slice(sessionsBefore);
        assert.equal(created.length, 1, 'one checkout');
        const create = [...standin.requests].reverse().find((r) => r.method === 'POST' && /^\/v1\/checkout\/sessions$/.test(r.path));
        const item = create.params.line_items[0];
        assert.equal(item.price_data.currency, 'gbp');
        assert.equal(Number(item.price_data.unit_amount) * Number(item.quantity), 700);
        assert.match(await page.locator('.amount').innerText(), /7\.00 GBP per month/);

        await page.locator('#email').fill('british.reader@example.org');
        await Promise.all([page.waitForURL((u) => u.href.startsWith(`${patron.base}/thanks?`)), page.locator('#pay').click()]);
        const pledgeId = new URL(page.url()).searchParams.get('pledge');
        assert.match(await page.locator('.patron-pledge').innerText(), /£7/);
        const row = pledgeRow(patron, pledgeId);
        assert.equal(row.currency, 'GBP');
        assert.equal(Number(row.amount_minor), 700);

        // The support page, reached from the campaign without the appeal's form.
        await page.goto(`${patron.base}/support?campaign=local&variant=a&lang=en`);
        assert.equal(await page.locator('#currency').inputValue(), 'GBP');
        const monthly = page.locator('.patron-amounts[data-frequency="monthly"]');
        assert.deepEqual(await labels(monthly, 'monthly'), ['£3', '£7', '£15']);
        assert.deepEqual(errors, []);
    } catch (e) {
        try { e.message = `${e.message}\n--- patron stderr ---\n${tail(patron.stderr(), 3000)}`; } catch { /* read-only */ }
        throw e;
    } finally {
        await context.close();
    }
});

test('a British reader typing less than the pound\'s minimum is refused by the server, in pounds', { timeout: 60_000 }, async () => {
    const before = standin.state.sessions.size;
    for (const [frequency, typed, minimum] of [['monthly', '1.50', '£2'], ['one_off', '0.50', '£1']]) {
        const r = await http(patron.base, 'POST', '/support', {
            form: { campaign: 'local', variant: 'a', lang: 'en', currency: 'GBP', frequency, [`amount_${frequency}`]: 'other', other_amount: typed },
            headers: { 'X-Country': 'GB' },
        });
        assert.equal(r.status, 422, `${frequency} ${typed}: ${r.status}`);
        assert.match(r.body, new RegExp(`The minimum is ${minimum}`), r.body.slice(0, 2000));
    }
    assert.equal(standin.state.sessions.size, before, 'no checkout created');
});
