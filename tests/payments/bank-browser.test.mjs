// A bank transfer in headless Chromium with JavaScript off, as Tor Browser's
// safest mode reads pages: the reader chooses "Bank transfer" on the support
// page, gets the account, the reference code and the EPC QR code on a phone,
// and the page asks nothing of any host but patron. The QR code on screen is
// read back (jsQR) and must be exactly the EPC payload for this transfer.
// The same reader can choose crypto: the form leads to the newsroom's own
// BTCPay Server (the stand-in) with nothing fetched from elsewhere first.
// Then the treasurer imports the statement in the dashboard, in the browser.
// With PATRON_SCREENSHOTS=1 it leaves the pictures docs/ uses.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import jsQR from 'jsqr';
import { sqlite, startPatron, startStandin, stopClean, tail } from './lib.mjs';
import { addUser, axe, describeSerious, launchBrowser, newPage, PHONE, screenshot, signIn } from '../browser/dashboard-lib.mjs';
import { decodePng } from '../browser/png-palette.mjs';
import { startBtcpay } from '../btcpay/standin.mjs';

const STEP = 10_000;
let stripe;
let btcpay;
let patron;
let browser;
let walked = null;

before(async () => {
    stripe = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    btcpay = await startBtcpay({ retryDelaysMs: [50, 100, 200] });
    patron = await startPatron({
        stripe, label: 'bank-browser',
        config: {
            currencies: 'USD, EUR', currency: 'EUR',
            bank_iban: 'DE89 3704 0044 0532 0130 00', bank_holder: 'Stand-in Times e.V.',
            bank_bic: 'COBADEFFXXX', bank_name: 'Stand-in Bank',
            btcpay_url: btcpay.url, btcpay_store_id: btcpay.storeId, btcpay_api_key: btcpay.apiKey,
            btcpay_webhook_secret: btcpay.webhookSecret, btcpay_currencies: 'EUR',
        },
    });
    btcpay.webhookUrl = `${patron.base}/v1/webhooks/btcpay`;
    addUser(patron, 'treasurer@standin-times.example', 'admin');
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await stopClean(patron);
    await stripe?.close();
    await btcpay?.close();
});

function withLog(fn) {
    return async () => {
        try { await fn(); } catch (e) { e.message += `\n--- patron ---\n${tail(patron.stderr(), 3000)}`; throw e; }
    };
}

test('JavaScript off, on a phone: a monthly transfer\'s account, reference and QR code, and no request to any other host', { timeout: 60_000 }, withLog(async () => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    const hosts = new Set();
    page.on('request', (r) => hosts.add(new URL(r.url()).host));
    try {
        await page.goto(`${patron.base}/support?currency=EUR`, { timeout: STEP });
        // The rail is a plain radio: no script needed to choose it.
        await page.locator('fieldset.patron-rails[data-frequency="monthly"]').getByLabel('Bank transfer').check({ timeout: STEP });
        await page.locator('fieldset.patron-amounts[data-frequency="monthly"]').getByLabel('€5').check();
        await Promise.all([
            page.waitForURL((u) => u.pathname === '/thanks', { timeout: STEP }),
            page.getByRole('button', { name: 'Continue' }).click(),
        ]);
        const url = new URL(page.url());
        const reference = url.searchParams.get('session');
        const printed = reference.replace(/(.{4})(?=.)/g, '$1 ');
        assert.equal(await page.locator('.patron-reference').innerText(), printed);
        assert.equal(await page.locator('.patron-iban').innerText(), 'DE89 3704 0044 0532 0130 00');
        assert.equal(await page.locator('.patron-amount').innerText(), '€5');
        await page.getByText('standing order', { exact: false }).first().waitFor({ timeout: STEP });
        const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        assert.ok(scrollWidth <= innerWidth, `the page scrolls sideways: ${scrollWidth} > ${innerWidth}`);
        // The QR code as the reader's phone camera sees it.
        const qr = page.locator('.patron-qr svg');
        const box = await qr.boundingBox();
        assert.ok(box && box.width >= 150 && box.x >= 0 && box.x + box.width <= PHONE.width, `the code is on screen, large enough: ${JSON.stringify(box)}`);
        const png = await qr.screenshot({ timeout: STEP });
        const { width, height, rgb } = decodePng(png);
        const rgba = new Uint8ClampedArray(width * height * 4);
        for (let i = 0; i < width * height; i++) {
            rgba[i * 4] = rgb[i * 3]; rgba[i * 4 + 1] = rgb[i * 3 + 1]; rgba[i * 4 + 2] = rgb[i * 3 + 2]; rgba[i * 4 + 3] = 255;
        }
        const code = jsQR(rgba, width, height);
        assert.ok(code, 'the QR code on screen could be read');
        assert.equal(code.data, `BCD\n002\n1\nSCT\nCOBADEFFXXX\nStand-in Times e.V.\nDE89370400440532013000\nEUR5\n\n${reference}`);
        const row = sqlite(patron.db, `SELECT processor, status, checkout_id, email_sealed IS NULL AS no_address FROM pledges WHERE id = '${url.searchParams.get('pledge')}'`)[0];
        assert.deepEqual(row, { processor: 'bank', status: 'pending', checkout_id: reference, no_address: 1 });
        assert.deepEqual([...hosts], [new URL(patron.base).host], 'every request went to patron');
        walked = { reference, thanks: page.url() };
        await screenshot(page, 'bank-thanks');
    } finally {
        await context.close();
    }
    // The same page, with script, for axe (which needs it to run).
    const checked = await newPage(browser, { viewport: PHONE });
    try {
        await checked.goto(walked.thanks, { timeout: STEP });
        const report = await axe(checked, 'bank thank-you page (390 px)');
        assert.equal(report.counts.critical + report.counts.serious, 0, describeSerious(report));
    } finally {
        await checked.context().close();
    }
}));

test('JavaScript off: crypto leads to the newsroom\'s BTCPay checkout, and to no other host before it', { timeout: 60_000 }, withLog(async () => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    const patronHost = new URL(patron.base).host;
    // Every request in order: until the reader is sent to the checkout, all
    // of them go to patron.
    const requested = [];
    page.on('request', (r) => requested.push(r.url()));
    try {
        await page.goto(`${patron.base}/support?currency=EUR`, { timeout: STEP });
        await page.getByLabel('Once').check();
        const rails = page.locator('fieldset.patron-rails[data-frequency="one_off"]');
        assert.deepEqual(await rails.locator('label').allInnerTexts(), ['Card or online payment (Stripe)', 'Bank transfer', 'Cryptocurrency (BTCPay)']);
        await rails.getByLabel('Cryptocurrency (BTCPay)').check();
        await screenshot(page, 'support-rails');
        await page.locator('fieldset.patron-amounts[data-frequency="one_off"]').getByLabel('€10').check();
        await Promise.all([
            page.waitForURL((u) => u.href.startsWith(`${btcpay.url}/i/`), { timeout: STEP }),
            page.getByRole('button', { name: 'Continue' }).click(),
        ]);
        const first = requested.findIndex((u) => new URL(u).host !== patronHost);
        const url = requested[first];
        assert.ok(url.startsWith(`${btcpay.url}/i/`), `the first request elsewhere is the checkout: ${url}`);
        assert.ok(requested.slice(0, first).length >= 3, requested.join('\n'));
        const invoice = btcpay.invoices.get(decodeURIComponent(url.slice(`${btcpay.url}/i/`.length)));
        assert.ok(invoice, url);
        assert.equal(invoice.amount, '10.00');
        assert.equal(invoice.currency, 'EUR');
        assert.match(invoice.checkout.redirectURL, new RegExp(`^${patron.base}/thanks\\?pledge=${invoice.metadata.orderId}`));
        assert.equal(sqlite(patron.db, `SELECT processor FROM pledges WHERE id = '${invoice.metadata.orderId}'`)[0].processor, 'btcpay');
    } finally {
        await context.close();
    }
}));

test('the treasurer imports the statement in the dashboard and sees the transfer matched', { timeout: 60_000 }, withLog(async () => {
    assert.ok(walked, 'the reader\'s walk ran first');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-bank-upload-'));
    const file = path.join(dir, 'camt053.xml');
    fs.writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>B-1</Id>
<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-01</Dt></BookgDt><AcctSvcrRef>B-1</AcctSvcrRef>
<NtryDtls><TxDtls><RmtInf><Ustrd>Spende ${walked.reference.toLowerCase()}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">15.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-01</Dt></BookgDt><AcctSvcrRef>B-2</AcctSvcrRef>
<NtryDtls><TxDtls><RmtInf><Ustrd>Spende ohne Code</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>`);
    const page = await newPage(browser, { viewport: PHONE });
    try {
        await signIn(page, patron.base, 'treasurer@standin-times.example', undefined, '/dashboard/bank');
        await page.getByLabel('Statement file').setInputFiles(file);
        await Promise.all([
            page.waitForURL((u) => u.pathname === '/dashboard/bank/import', { timeout: STEP }),
            page.getByRole('button', { name: 'Import' }).click(),
        ]);
        await page.getByText('2 credits: 1 matched (0 for another amount), 1 waiting to be matched').waitFor({ timeout: STEP });
        assert.equal(await page.locator('#bank-queue tbody tr').count(), 1);
        const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        assert.ok(scrollWidth <= innerWidth, `the bank page scrolls sideways: ${scrollWidth} > ${innerWidth}`);
        const report = await axe(page, 'dashboard bank transfers (390 px)');
        assert.equal(report.counts.critical + report.counts.serious, 0, describeSerious(report));
        await screenshot(page, 'bank-transfers');
        assert.deepEqual(page.errors, []);
        assert.equal(sqlite(patron.db, "SELECT status FROM pledges WHERE processor = 'bank'")[0].status, 'active');
    } finally {
        await page.context().close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}));
