// Helpers for the Mollie payment tests: patron charging euros through the
// Mollie stand-in (tests/mollie/standin.mjs), with an SMTP server that keeps
// messages, all on 127.0.0.1. Built on lib.mjs (the Stripe tests' helpers).

import assert from 'node:assert/strict';
import { startMollie } from '../mollie/standin.mjs';
import { http, sqlite, startPatron, stateAmount } from './lib.mjs';

export { startMollie };
export const MOLLIE_KEY = 'test_patronMollieStandinKey0123456789ab';

/** patron with Mollie for every currency (or the routes given), the stand-in's
 * webhooks pointed at patron; seedDemo loads the demo campaign. */
export async function startMolliePatron({ mollie, smtp = null, config = {}, label = 'mollie', stripe = null, env = {}, seedDemo = false } = {}) {
    const patron = await startPatron({
        stripe,
        smtp,
        label,
        env,
        seedDemo,
        config: {
            mollie_api_base: mollie.url,
            mollie_api_key: MOLLIE_KEY,
            mollie_reader_timeout: '3',
            mollie_timeout: '5',
            currency: 'EUR',
            ...config,
        },
    });
    patron.mollieWebhook = `${patron.base}/v1/webhooks/mollie`;
    return patron;
}

/** POST /support in euros as the support page's form does, with the address
 * the page asks for Mollie. Returns {status, location, paymentId, pledgeId,
 * body}: paymentId and pledgeId when patron answered 303 to the stand-in's
 * checkout. */
export async function supportMollie(patron, mollie, { amount = '5', frequency = 'monthly', currency = 'EUR', lang = 'en', email = 'donor@example.org', method, campaign, variant } = {}) {
    const form = { frequency, amount: 'other', other_amount: amount, currency, lang };
    if (email !== null) form.email = email;
    if (method) form[`method_${frequency}`] = method;
    if (campaign) form.campaign = campaign;
    if (variant) form.variant = variant;
    await stateAmount(patron, form);
    const r = await http(patron.base, 'POST', '/support', { form });
    const out = { status: r.status, location: r.location, body: r.body, paymentId: null, pledgeId: null };
    if (r.status === 303 && r.location && r.location.startsWith(`${mollie.url}/checkout/`)) {
        out.paymentId = decodeURIComponent(r.location.slice(`${mollie.url}/checkout/`.length));
        out.pledgeId = mollie.payments.get(out.paymentId)?.metadata?.pledge_id ?? null;
    }
    return out;
}

/** The hosted checkout's button (paid, failed, canceled), as the reader's
 * browser presses it, then the page Mollie sends them back to. */
export async function checkoutAndReturn(patron, mollie, paymentId, { status = 'paid', method = 'ideal' } = {}) {
    const done = await http(mollie.url, 'POST', `/checkout/${paymentId}`, { form: { status, method } });
    assert.equal(done.status, 303, `the stand-in's checkout answered ${done.status}: ${done.body.slice(0, 300)}`);
    const back = done.location.startsWith(patron.base) ? await http(patron.base, 'GET', done.location.slice(patron.base.length)) : null;
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
    return sqlite(patron.db, `SELECT kind, sent_at IS NOT NULL AS sent FROM outbox WHERE pledge_id = '${id}' ORDER BY id`);
}
