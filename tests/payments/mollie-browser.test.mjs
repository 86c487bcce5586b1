// Mollie end to end in headless Chromium, on a phone: the demo article's
// appeal, the support page in euros (its address field and Mollie's ways to
// pay), the Mollie stand-in's hosted checkout, the thank-you page, the thanks
// email (real SMTP on loopback) and its manage link, €5 changed to €7 and
// then cancelled at Mollie; then the newsroom's dashboard: the reports' "By
// processor" table and the donor's pledge, both naming Mollie.
//
// patron runs as the demo (serve --seed-demo, demo pages) with Stripe's
// stand-in for dollars and Mollie's for euros (currency_processors). Every
// page the reader sees, and the donors' pages, are checked at 390 px for
// sideways scrolling, and with axe for critical and serious problems.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, manageLink, sqlite, startSmtp, startStandin, stopClean, tail } from './lib.mjs';
import { payments, pledge, startMollie, startMolliePatron } from './mollie-lib.mjs';
import { addUser, axe, describeSerious, launchBrowser, newPage, PHONE, DESKTOP, signIn } from '../browser/dashboard-lib.mjs';

const APPEAL = '[data-patron] .patron-appeal';
const EMAIL = 'mollie.reader@example.org';
const STEP = 10_000; // the longest any one wait may take

let stripe;
let mollie;
let smtp;
let patron;
let browser;
/** What the reader's walk left for the dashboard's test. */
let walked = null;

before(async () => {
    stripe = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    mollie = await startMollie({ retryDelaysMs: [50, 100, 200, 400, 800] });
    smtp = await startSmtp();
    patron = await startMolliePatron({
        mollie, smtp, stripe, seedDemo: true, label: 'mollie-browser',
        // The walk ends with a cancellation, then the dashboard finds the
        // donor by address: the newsroom keeps cancelled pledges' addresses
        // for a while (by default they are erased at once, issue 14).
        config: { demo_pages: 'true', currency: 'USD', currency_processors: 'EUR=mollie, *=stripe', keep_cancelled_days: '30' },
    });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await stopClean(patron);
    await mollie?.close();
    await stripe?.close();
    await smtp?.close();
});

/** The page does not scroll sideways: nothing is wider than the window. */
async function noSidewaysScroll(page, name) {
    const { scroll, inner, wide } = await page.evaluate(() => {
        const inner = window.innerWidth;
        const wide = [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > inner + 1)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\s+/g, '.') : ''} (right ${Math.round(el.getBoundingClientRect().right)})`);
        return { scroll: document.documentElement.scrollWidth, inner, wide };
    });
    assert.ok(scroll <= inner, `${name} scrolls sideways at ${inner} px: scrollWidth ${scroll}; too wide: ${wide.join(', ')}`);
}

/** The computed look of a form field, to compare one field with another. */
const look = (locator) => locator.evaluate((el) => {
    const c = getComputedStyle(el);
    return {
        font: `${c.fontSize} ${c.fontFamily}`, padding: c.padding, radius: c.borderRadius,
        border: `${c.borderTopWidth} ${c.borderTopStyle} ${c.borderTopColor}`,
        fits: el.getBoundingClientRect().right <= el.closest('form').getBoundingClientRect().right,
    };
});

/** Script errors and server errors the page met. Not the support page's
 * 422 quote for an amount not yet typed, nor an event beacon cut short by
 * the navigation it announced: both are the pages working as meant. */
const problems = (page) => page.errors.filter((e) => /^(pageerror|console): |^5\d\d /.test(e));

/** axe's critical and serious findings on the page: none. */
async function accessible(page, name) {
    const report = await axe(page, name);
    assert.equal(report.counts.critical + report.counts.serious, 0, describeSerious(report));
}

const withLog = (fn) => async (t) => {
    try {
        await fn(t);
    } catch (e) {
        try { e.message = `${e.message}\n--- patron stderr (tail) ---\n${tail(patron?.stderr() ?? '', 3000)}`; } catch { /* read-only */ }
        throw e;
    }
};

test('a reader on a phone pledges €5 a month through Mollie, gets the email, changes it to €7 and cancels', { timeout: 60_000 }, withLog(async () => {
    const page = await newPage(browser, { viewport: PHONE });
    page.setDefaultTimeout(STEP);
    page.setDefaultNavigationTimeout(STEP);
    try {
        // The demo article's appeal, in dollars (the demo campaign's currency):
        // "Other" goes to the support page rather than to a checkout.
        await page.goto(`${patron.base}/`);
        const appeal = page.locator(APPEAL);
        await appeal.waitFor({ state: 'visible' });
        await appeal.locator('input[name="amount_monthly"][value="other"]').check();
        await Promise.all([
            page.waitForURL((u) => u.href === `${patron.base}/support`),
            appeal.locator('button.patron-support').click(),
        ]);
        assert.match(await page.locator('.patron-trust').innerText(), /Secure payment by Stripe/);

        // Euros: the page redraws with Mollie's ways to pay and asks the address.
        await Promise.all([
            page.waitForURL((u) => u.pathname === '/support' && u.searchParams.get('currency') === 'EUR'),
            page.locator('#currency').selectOption('EUR'),
        ]);
        assert.match(await page.locator('.patron-trust').innerText(), /Secure payment by Mollie/);
        const form = page.locator('form.patron-support-form');
        assert.ok(await form.locator('input[name="frequency"][value="monthly"]').isChecked(), 'monthly, as chosen on the appeal');
        const methods = form.locator('fieldset.patron-methods[data-frequency="monthly"]');
        assert.ok(await methods.isVisible(), 'the monthly ways to pay are shown');
        assert.deepEqual(await methods.locator('input[type="radio"]').evaluateAll((els) => els.map((e) => e.value)),
            ['creditcard', 'ideal', 'bancontact', 'paypal']);
        await form.locator('input[name="amount_monthly"][value="5"]').check();
        await methods.getByLabel(/iDEAL/).check();
        const email = page.getByLabel(/Your email address/);
        await email.fill(EMAIL);
        assert.deepEqual(await look(email), await look(page.locator('#other_amount')), 'the address field looks like the amount field');
        assert.ok((await email.boundingBox()).width >= 300, 'room for an address on a phone');
        // The page states the amount (an earlier answer, for "Other" with no
        // amount yet, may show first), and its token goes with the form.
        await page.locator('#patron-statement:not([hidden])', { hasText: /€5(\.00)? every month/ }).waitFor();
        assert.match(await page.locator('input[name="confirm"]').inputValue(), /\S/, 'the statement\'s token is in the form');
        await noSidewaysScroll(page, 'the support page');
        await accessible(page, 'support page (Mollie, 390 px)');

        // Continue: the stand-in's hosted checkout, for €5.00 by iDEAL.
        const before = new Set(mollie.payments.keys());
        await Promise.all([
            page.waitForURL((u) => u.href.startsWith(`${mollie.url}/checkout/`)),
            form.getByRole('button', { name: 'Continue' }).click(),
        ]);
        const paymentId = decodeURIComponent(new URL(page.url()).pathname.slice('/checkout/'.length));
        assert.ok(!before.has(paymentId), 'a new payment at Mollie');
        const payment = mollie.payments.get(paymentId);
        assert.deepEqual(payment.amount, { currency: 'EUR', value: '5.00' });
        assert.equal(payment.sequenceType, 'first');
        assert.equal(payment.method, 'ideal');
        const pledgeId = payment.metadata.pledge_id;
        assert.match(pledgeId, /^[0-9a-f]{32}$/);
        assert.equal(await page.locator('.amount').getAttribute('data-value'), '5.00');

        // Pay: back to patron's thank-you page, which read the payment.
        await Promise.all([
            page.waitForURL((u) => u.href.startsWith(`${patron.base}/thanks?`)),
            page.locator('#pay').click(),
        ]);
        assert.equal(new URL(page.url()).searchParams.get('pledge'), pledgeId);
        assert.match(await page.locator('h1').innerText(), /Thank you/);
        assert.equal(await page.locator('.patron-pledge').getAttribute('data-status'), 'active');
        await noSidewaysScroll(page, 'the thank-you page');
        await mollie.idle(STEP);
        const row = await eventually(() => { const r = pledge(patron, pledgeId); return r?.status === 'active' && r.subscription_id && r; },
            { timeoutMs: STEP, message: 'the pledge to be active with its subscription' });
        assert.equal(row.processor, 'mollie');
        assert.equal(row.amount_minor, 500);
        assert.equal(row.currency, 'EUR');
        const subscription = mollie.subscriptions.get(row.subscription_id);
        assert.deepEqual(subscription.amount, { currency: 'EUR', value: '5.00' });
        assert.equal(subscription.interval, '1 month');
        assert.equal(subscription.status, 'active');

        // The thanks email and its manage link.
        const [thanks] = await smtp.waitFor((m) => m.envelope.to.includes(EMAIL) && /^Thank you/.test(m.subject), { timeoutMs: STEP });
        const link = manageLink(thanks);
        assert.ok(link && link.startsWith(`${patron.base}/manage?`), `a manage link in the thanks email:\n${thanks.text}`);
        assert.match(thanks.text, /€5/);

        // The manage page: €5 a month, then €7.
        await page.goto(link);
        assert.equal(await page.locator('.patron-pledge').getAttribute('data-status'), 'active');
        assert.match(await page.locator('.patron-pledge').innerText(), /€5/);
        await noSidewaysScroll(page, 'the manage page');
        await accessible(page, 'manage page (Mollie, 390 px)');
        await page.locator('#amount').fill('7');
        await Promise.all([page.waitForLoadState('domcontentloaded'), page.getByRole('button', { name: 'Change the amount' }).click()]);
        await page.locator('.patron-notice').waitFor();
        assert.match(await page.locator('.patron-pledge').innerText(), /€7/);
        assert.deepEqual(mollie.subscriptions.get(row.subscription_id).amount, { currency: 'EUR', value: '7.00' });
        assert.equal(mollie.subscriptions.get(row.subscription_id).status, 'active');
        assert.equal(pledge(patron, pledgeId).amount_minor, 700);
        await noSidewaysScroll(page, 'the manage page after the change');

        // Cancel, with its confirmation.
        await Promise.all([page.waitForURL(/\/manage$/), page.getByRole('button', { name: 'Cancel' }).click()]);
        await page.getByRole('button', { name: 'Yes, cancel' }).waitFor();
        assert.equal(mollie.subscriptions.get(row.subscription_id).status, 'active', 'nothing cancelled before the reader confirms');
        await noSidewaysScroll(page, 'the manage page asking to confirm');
        await Promise.all([page.waitForLoadState('domcontentloaded'), page.getByRole('button', { name: 'Yes, cancel' }).click()]);
        await page.locator('.patron-pledge[data-status="cancelled"]').waitFor();
        assert.match(await page.locator('main').innerText(), /cancel/i);
        assert.equal(mollie.subscriptions.get(row.subscription_id).status, 'canceled');
        assert.equal(pledge(patron, pledgeId).status, 'cancelled');
        await noSidewaysScroll(page, 'the manage page of a cancelled pledge');
        await smtp.waitFor((m) => m.envelope.to.includes(EMAIL) && /^Your support is cancelled/.test(m.subject), { timeoutMs: STEP });

        assert.deepEqual(payments(patron, pledgeId), [{ id: paymentId, amount_minor: 500, currency: 'EUR' }], 'one payment, of €5');
        assert.deepEqual(problems(page), []);
        walked = { pledgeId, paymentId };
    } finally {
        await page.context().close();
    }
}));

test('the dashboard: the reports\' By processor table and the donor\'s pledge name Mollie, and the donors\' pages fit a phone', { timeout: 60_000 }, withLog(async (t) => {
    if (!walked) { t.skip('the reader\'s walk did not finish'); return; }
    const { pledgeId, paymentId } = walked;
    addUser(patron, 'editor@standin-times.example', 'editor');
    addUser(patron, 'admin@standin-times.example', 'admin');

    // An editor reads the reports.
    const page = await newPage(browser, { viewport: DESKTOP });
    page.setDefaultTimeout(STEP);
    page.setDefaultNavigationTimeout(STEP);
    try {
        await signIn(page, patron.base, 'editor@standin-times.example', undefined, '/dashboard/reports');
        assert.equal(new URL(page.url()).pathname, '/dashboard/reports');
        const table = page.locator('#reports-processors-table');
        await table.waitFor();
        const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
        assert.deepEqual(rows, [['Mollie', 'EUR', '1', '5.00', '0.00', '5.00']], 'one payment of €5.00 through Mollie');
        await accessible(page, 'reports (editor)');
    } finally {
        await page.context().close();
    }

    // An admin (only admins see donors) finds the donor, on a phone.
    const phone = await newPage(browser, { viewport: PHONE });
    phone.setDefaultTimeout(STEP);
    phone.setDefaultNavigationTimeout(STEP);
    try {
        await signIn(phone, patron.base, 'admin@standin-times.example', undefined, '/dashboard/donors');
        assert.equal(new URL(phone.url()).pathname, '/dashboard/donors');
        await noSidewaysScroll(phone, 'the donors page');
        await accessible(phone, 'donors (390 px)');
        await phone.locator('#find-email').fill(EMAIL);
        await Promise.all([phone.waitForURL(/\/dashboard\/donors\/find$/), phone.getByRole('button', { name: 'Find pledges' }).click()]);
        const found = await phone.locator('main table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
        assert.equal(found.length, 1, JSON.stringify(found));
        const [id, status, amount, often, campaign, , processor] = found[0];
        assert.deepEqual({ id, status, amount, often, campaign, processor },
            { id: pledgeId, status: 'cancelled', amount: '€7', often: 'monthly', campaign: 'demo-2026', processor: 'Mollie' });
        await noSidewaysScroll(phone, 'the donor\'s pledges');
        await accessible(phone, 'donor\'s pledges (390 px)');

        await Promise.all([phone.waitForURL((u) => u.pathname === `/dashboard/donors/pledge/${pledgeId}`), phone.getByRole('link', { name: pledgeId }).click()]);
        const facts = await phone.locator('dl.dash-facts').evaluate((dl) => Object.fromEntries([...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
        assert.equal(facts.Processor, 'Mollie');
        assert.equal(facts.Donor, EMAIL);
        assert.equal(facts.Status, 'cancelled');
        const paid = await phone.locator('table', { has: phone.locator('caption', { hasText: 'Payments' }) }).locator('tbody tr')
            .evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(1).map((c) => c.textContent.trim())));
        assert.deepEqual(paid, [['€5', paymentId]]);
        await noSidewaysScroll(phone, 'the pledge\'s page');
        await accessible(phone, 'pledge (390 px)');

        // The reports on the phone: the By processor table is a card.
        await phone.goto(`${patron.base}/dashboard/reports`);
        await phone.locator('#reports-processors-table').waitFor();
        const card = await phone.locator('#reports-processors-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children]
            .map((c) => `${getComputedStyle(c, '::before').content.replace(/^"|"$/g, '').replace(/^none$/, '')}${c.textContent.trim()}`)));
        assert.deepEqual(card, [['Mollie', 'Currency: EUR', 'Payments: 1', 'Received: 5.00', 'Came back: 0.00', 'Net: 5.00']]);
        await noSidewaysScroll(phone, 'the reports');
        assert.deepEqual(problems(phone), []);
    } finally {
        await phone.context().close();
    }
    assert.equal(sqlite(patron.db, 'SELECT count(*) AS n FROM pledges WHERE processor = \'mollie\'')[0].n, 1);
}));
