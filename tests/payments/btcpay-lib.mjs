// Helpers for the BTCPay payment tests: patron taking crypto through the
// BTCPay stand-in (tests/btcpay/standin.mjs), with an SMTP server that keeps
// messages, all on 127.0.0.1. Built on lib.mjs (the Stripe tests' helpers).

import assert from 'node:assert/strict';
import { startBtcpay } from '../btcpay/standin.mjs';
import { http, sqlite, startPatron, stateAmount } from './lib.mjs';

export { startBtcpay };

/** patron with BTCPay charging dollars (a route names the rail until the
 * support page offers it beside a card processor), the stand-in's webhooks
 * pointed at patron. */
export async function startBtcpayPatron({ btcpay, smtp = null, config = {}, label = 'btcpay', env = {} } = {}) {
    const patron = await startPatron({
        stripe: null,
        smtp,
        label,
        env,
        config: {
            btcpay_url: btcpay.url,
            btcpay_store_id: btcpay.storeId,
            btcpay_api_key: btcpay.apiKey,
            btcpay_webhook_secret: btcpay.webhookSecret,
            btcpay_reader_timeout: '5',
            btcpay_timeout: '5',
            currency: 'USD',
            currencies: 'USD',
            currency_processors: 'USD=btcpay',
            ...config,
        },
    });
    patron.btcpayWebhook = `${patron.base}/v1/webhooks/btcpay`;
    btcpay.webhookUrl = patron.btcpayWebhook;
    return patron;
}

/** POST /support in dollars as the support page's form does. Returns
 * {status, location, invoiceId, pledgeId, body}: invoiceId and pledgeId when
 * patron answered 303 to the stand-in's checkout. */
export async function supportBtcpay(patron, btcpay, { amount = '5', frequency = 'one_off', currency = 'USD', lang = 'en', email = 'donor@example.org' } = {}) {
    const form = { frequency, amount: 'other', other_amount: amount, currency, lang };
    if (email !== null) form.email = email;
    await stateAmount(patron, form);
    const r = await http(patron.base, 'POST', '/support', { form });
    const out = { status: r.status, location: r.location, body: r.body, invoiceId: null, pledgeId: null };
    if (r.status === 303 && r.location && r.location.startsWith(`${btcpay.url}/i/`)) {
        out.invoiceId = decodeURIComponent(r.location.slice(`${btcpay.url}/i/`.length));
        out.pledgeId = btcpay.invoices.get(out.invoiceId)?.metadata?.orderId ?? null;
    }
    return out;
}

/** The checkout page's button for an outcome, as the reader's browser
 * presses it, then the page BTCPay sends them back to (when it does). */
export async function payAndReturn(patron, btcpay, invoiceId, { outcome = 'settled' } = {}) {
    const page = await http(btcpay.url, 'GET', `/i/${invoiceId}`);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`value="${outcome}"`));
    const done = await http(btcpay.url, 'POST', `/i/${invoiceId}`, { form: { outcome } });
    const back = done.status === 303 && done.location.startsWith(patron.base) ? await http(patron.base, 'GET', done.location.slice(patron.base.length)) : null;
    return { done, back };
}

export function pledge(patron, id) {
    return sqlite(patron.db, `SELECT id, status, frequency, amount_minor, currency, processor, checkout_id, customer_id, subscription_id, length(email_sealed) AS sealed FROM pledges WHERE id = '${id}'`)[0] ?? null;
}

export function history(patron, id) {
    return sqlite(patron.db, `SELECT status, amount_minor, note FROM pledge_history WHERE pledge_id = '${id}' ORDER BY rowid`);
}

export function payments(patron, id) {
    return sqlite(patron.db, `SELECT id, amount_minor, currency FROM payments WHERE pledge_id = '${id}' ORDER BY paid_at, id`);
}

export function outbox(patron, id) {
    return sqlite(patron.db, `SELECT kind, data, sent_at IS NOT NULL AS sent FROM outbox WHERE pledge_id = '${id}' ORDER BY id`);
}

/** The pledge's whole state, to compare before and after something that
 * must change nothing. */
export function snapshot(patron) {
    return JSON.stringify([
        sqlite(patron.db, 'SELECT id, status, amount_minor, checkout_id, subscription_id FROM pledges ORDER BY id'),
        sqlite(patron.db, 'SELECT pledge_id, status, note FROM pledge_history ORDER BY rowid'),
        sqlite(patron.db, 'SELECT id FROM payments ORDER BY id'),
        sqlite(patron.db, 'SELECT kind, pledge_id FROM outbox ORDER BY id'),
    ]);
}
