// Mollie end to end over HTTP: patron charging euros through the Mollie
// stand-in, with real SMTP on loopback. The support page asks the address
// (Mollie's page does not), the first payment sets up the subscription once,
// recurring charges and failures and chargebacks arrive as Mollie sends them
// (only an id), and the donor manages the pledge from the emailed link.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, http, manageLink, sqlite, startSmtp, stopClean, withLog } from './lib.mjs';
import { checkoutAndReturn, history, outbox, payments, pledge, startMollie, startMolliePatron, supportMollie } from './mollie-lib.mjs';

let mollie;
let smtp;
let patron;

before(async () => {
    mollie = await startMollie({ retryDelaysMs: [50, 100, 200, 400, 800] });
    smtp = await startSmtp();
    patron = await startMolliePatron({ mollie, smtp });
});

after(async () => {
    await stopClean(patron);
    await mollie?.close();
    await smtp?.close();
});

const to = (email) => (m) => m.envelope.to.includes(email);
const log = (fn) => withLog(() => patron, fn);

/** A €5 monthly pledge paid by iDEAL on Mollie's page, its webhook applied. */
async function paidMonthly(email, { amount = '5', method = 'ideal' } = {}) {
    const s = await supportMollie(patron, mollie, { amount, email, method });
    assert.equal(s.status, 303, s.body.slice(0, 400));
    const { back } = await checkoutAndReturn(patron, mollie, s.paymentId, { method });
    await mollie.idle();
    const row = await eventually(() => { const r = pledge(patron, s.pledgeId); return r?.status === 'active' && r; }, { message: 'the pledge to be active' });
    return { ...s, back, row };
}

test('the support page asks the address Mollie will not, offers the ways Mollie takes, and names Mollie', log(async () => {
    const page = await http(patron.base, 'GET', '/support?currency=EUR');
    assert.equal(page.status, 200);
    assert.match(page.body, /<input id="email" name="email" type="email" autocomplete="email" required/);
    assert.match(page.body, /Secure payment by Mollie/);
    const monthly = /<fieldset class="patron-methods" data-frequency="monthly">(.*?)<\/fieldset>/s.exec(page.body)?.[1] ?? '';
    assert.match(monthly, /value="creditcard"/);
    assert.match(monthly, /value="ideal"> iDEAL <small>\(the first payment; the next ones by SEPA Direct Debit\)/);
    assert.doesNotMatch(monthly, /directdebit/, 'SEPA Direct Debit is never the first payment');
    const once = /<fieldset class="patron-methods" data-frequency="one_off">(.*?)<\/fieldset>/s.exec(page.body)?.[1] ?? '';
    assert.match(once, /value="ideal"> iDEAL<\/label>/);
    assert.doesNotMatch(once, /SEPA/);

    assert.doesNotMatch(page.body, /formmethod="get"/, 'no button sends the form, address and all, as a GET');
    const redraw = await http(patron.base, 'POST', '/support', { form: { frequency: 'monthly', currency: 'GBP', shown_currency: 'EUR', email: 'kept@example.org', show: 'currency', lang: 'en' } });
    assert.equal(redraw.status, 200);
    assert.match(redraw.body, /value="kept@example.org"/, 'the address stays in the redrawn form');
    assert.equal(sqlite(patron.db, 'SELECT count(*) AS n FROM pledges')[0].n, 0, 'redrawing pledges nothing');

    const pounds = await http(patron.base, 'GET', '/support?currency=GBP');
    assert.doesNotMatch(pounds.body, /value="ideal"|value="bancontact"/, 'iDEAL and Bancontact take euros only');
    assert.match(pounds.body, /value="paypal"/);
}));

test('a preset from the appeal without an address gets the page that asks for it, and nothing is charged', log(async () => {
    const before = mollie.requests.length;
    const r = await http(patron.base, 'POST', '/support', { form: { frequency: 'monthly', amount_monthly: '5', currency: 'EUR', lang: 'en' } });
    assert.equal(r.status, 200);
    assert.match(r.body, /id="email-note" class="patron-notice">Enter your email address/);
    assert.match(r.body, /autofocus/);
    assert.doesNotMatch(r.body, /patron-error-summary/, 'asked, not told off');
    const bad = await http(patron.base, 'POST', '/support', { form: { frequency: 'monthly', amount_monthly: '5', currency: 'EUR', lang: 'en', email: 'nobody' } });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /aria-invalid="true"[^>]*><p id="email-note" class="patron-error">/);
    const method = await http(patron.base, 'POST', '/support', { form: { frequency: 'one_off', amount_one_off: '10', currency: 'GBP', lang: 'en', email: 'a@example.org', method_one_off: 'ideal' } });
    assert.equal(method.status, 422, 'iDEAL in pounds is refused, not sent to Mollie');
    assert.match(method.body, /Choose one of the ways to pay shown/);
    assert.equal(mollie.requests.length, before, 'Mollie was not asked anything');
    assert.equal(sqlite(patron.db, 'SELECT count(*) AS n FROM pledges')[0].n, 0);
}));

test('a monthly pledge: customer, first payment, then one subscription a month later; the thank-you page and the email', log(async () => {
    const email = 'monthly@example.org';
    const s = await supportMollie(patron, mollie, { amount: '5', email, method: 'ideal' });
    assert.equal(s.status, 303, s.body.slice(0, 300));
    const payment = mollie.payments.get(s.paymentId);
    assert.equal(payment.sequenceType, 'first');
    assert.deepEqual(payment.amount, { currency: 'EUR', value: '5.00' });
    assert.equal(payment.method, 'ideal');
    assert.equal(payment.metadata.pledge_id, s.pledgeId);
    assert.equal(payment.webhookUrl, patron.mollieWebhook);
    assert.match(payment.redirectUrl, new RegExp(`^${patron.base}/thanks\\?pledge=${s.pledgeId}`));
    const customer = mollie.customers.get(payment.customerId);
    assert.ok(customer, 'a customer holds the mandate');
    assert.equal(customer.email ?? null, null, 'Mollie is not told the address');
    const calls = mollie.requests.filter((q) => q.method === 'POST');
    assert.ok(calls.every((q) => q.idempotencyKey), 'every creating call carries an Idempotency-Key');

    const { back } = await checkoutAndReturn(patron, mollie, s.paymentId);
    assert.equal(back.status, 200);
    assert.match(back.body, /data-status="active"/, 'the thank-you page read the payment from Mollie');
    await mollie.idle();
    const row = pledge(patron, s.pledgeId);
    assert.equal(row.processor, 'mollie');
    assert.equal(row.customer_id, payment.customerId);
    const subs = [...mollie.subscriptions.values()].filter((x) => x.customerId === payment.customerId);
    assert.equal(subs.length, 1, 'one subscription, however often the payment was read');
    const sub = subs[0];
    assert.equal(row.subscription_id, sub.id);
    assert.deepEqual(sub.amount, { currency: 'EUR', value: '5.00' });
    assert.equal(sub.interval, '1 month');
    assert.equal(sub.metadata.pledge_id, s.pledgeId);
    assert.equal(sub.mandateId, mollie.payments.get(s.paymentId).mandateId);
    const paidAt = new Date(mollie.payments.get(s.paymentId).paidAt);
    const expected = new Date(Date.UTC(paidAt.getUTCFullYear(), paidAt.getUTCMonth() + 1, 1));
    assert.equal(sub.startDate.slice(0, 7), expected.toISOString().slice(0, 7), 'starts one month after the first payment');
    assert.deepEqual(payments(patron, s.pledgeId), [{ id: s.paymentId, amount_minor: 500, currency: 'EUR' }]);
    const [thanks] = await smtp.waitFor((m) => to(email)(m) && /^Thank you/.test(m.subject));
    assert.ok(manageLink(thanks), 'the thank-you email carries a manage link');
    await smtp.waitFor((m) => to(email)(m) && /^Your receipt/.test(m.subject));
}));

test('recurring charges arrive as Mollie sends them, once each; a failure is emailed once; a chargeback marks the pledge', log(async () => {
    const email = 'recurring@example.org';
    const p = await paidMonthly(email);
    const sub = p.row.subscription_id;
    const charged = mollie.chargeSubscription(sub);
    await charged.delivered;
    await mollie.deliver([charged.payment.id, charged.payment.id], { concurrency: 2 });
    await eventually(() => payments(patron, p.pledgeId).length === 2, { message: 'the recurring payment' });
    assert.deepEqual(payments(patron, p.pledgeId).map((x) => x.id).sort(), [p.paymentId, charged.payment.id].sort());
    await smtp.waitFor((m) => to(email)(m) && /^Your receipt/.test(m.subject), { count: 2 });

    const failed = mollie.chargeSubscription(sub, { fail: true });
    await failed.delivered;
    await mollie.deliver([failed.payment.id], {});
    await smtp.waitFor((m) => to(email)(m) && /^Your payment did not go through/.test(m.subject));
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM payment_failures WHERE invoice_id = '${failed.payment.id}'`)[0].n, 1);

    const back = mollie.chargeback(charged.payment.id);
    await back.delivered;
    await eventually(() => sqlite(patron.db, `SELECT count(*) AS n FROM payment_reversals WHERE payment_id = '${charged.payment.id}' AND amount_minor = 500`)[0].n === 1, { message: 'the chargeback' });
    await mollie.deliver([charged.payment.id, charged.payment.id], {});
    assert.equal(sqlite(patron.db, 'SELECT count(*) AS n FROM payment_reversals')[0].n, 1);
    const notes = history(patron, p.pledgeId).map((h) => h.note);
    assert.ok(notes.includes('a payment was charged back'), JSON.stringify(notes));
    assert.ok(notes.includes('payment.failed'), JSON.stringify(notes));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const failedMails = smtp.messages.filter((m) => to(email)(m) && /^Your payment did not go through/.test(m.subject));
    assert.equal(failedMails.length, 1, 'one failure email per failed payment');
}));

test('the donor changes the amount to €7, pauses, resumes on the same cycle, and cancels, all at Mollie', log(async () => {
    const email = 'manage@example.org';
    const p = await paidMonthly(email);
    const [thanks] = await smtp.waitFor((m) => to(email)(m) && /^Thank you/.test(m.subject));
    const link = manageLink(thanks);
    const token = new URL(link).searchParams.get('t');
    const act = (form) => http(patron.base, 'POST', '/manage', { form: { t: token, ...form } });

    let r = await act({ action: 'amount', amount: '7' });
    assert.equal(r.status, 200, r.body.slice(0, 300));
    const subId = p.row.subscription_id;
    assert.deepEqual(mollie.subscriptions.get(subId).amount, { currency: 'EUR', value: '7.00' });
    assert.equal(pledge(patron, p.pledgeId).amount_minor, 700);

    r = await act({ action: 'pause' });
    assert.equal(r.status, 200, r.body.slice(0, 300));
    const old = mollie.subscriptions.get(subId);
    assert.equal(old.status, 'canceled', 'Mollie cannot pause: the subscription is cancelled');
    assert.equal(old.metadata.paused, 'yes');
    assert.equal(pledge(patron, p.pledgeId).status, 'paused');

    r = await act({ action: 'resume' });
    assert.equal(r.status, 200, r.body.slice(0, 300));
    const resumed = pledge(patron, p.pledgeId);
    assert.equal(resumed.status, 'active');
    assert.notEqual(resumed.subscription_id, subId, 'resumed as a new subscription');
    const now = mollie.subscriptions.get(resumed.subscription_id);
    assert.equal(now.status, 'active');
    assert.deepEqual(now.amount, { currency: 'EUR', value: '7.00' }, 'at the amount the donor set');
    assert.equal(now.startDate.slice(8), old.startDate.slice(8), 'on the same day of the month');
    assert.ok(now.startDate > new Date().toISOString().slice(0, 10), 'not charged at once');
    assert.equal(now.mandateId, old.mandateId);

    r = await act({ action: 'cancel' });
    assert.equal(r.status, 200, r.body.slice(0, 300));
    assert.equal(mollie.subscriptions.get(resumed.subscription_id).status, 'canceled');
    assert.equal(pledge(patron, p.pledgeId).status, 'cancelled');
    await smtp.waitFor((m) => to(email)(m) && /cancel/i.test(m.subject));
}));

test('changing how to pay is a new first payment of the smallest amount; once paid, its mandate replaces the old one', log(async () => {
    const email = 'method@example.org';
    const p = await paidMonthly(email, { method: 'ideal' });
    const [thanks] = await smtp.waitFor((m) => to(email)(m) && /^Thank you/.test(m.subject));
    const token = new URL(manageLink(thanks)).searchParams.get('t');
    const page = await http(patron.base, 'GET', `/manage?t=${encodeURIComponent(token)}`);
    assert.match(page.body, /Change how you pay/);
    const subId = p.row.subscription_id;
    const oldMandate = mollie.subscriptions.get(subId).mandateId;
    const go = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'card' } });
    assert.equal(go.status, 303, go.body.slice(0, 300));
    assert.ok(go.location.startsWith(`${mollie.url}/checkout/`), go.location);
    const paymentId = go.location.slice(`${mollie.url}/checkout/`.length);
    const payment = mollie.payments.get(paymentId);
    assert.equal(payment.sequenceType, 'first');
    assert.equal(payment.customerId, p.row.customer_id);
    assert.deepEqual(payment.amount, { currency: 'EUR', value: '0.02' }, 'the smallest amount every method takes');
    assert.match(payment.redirectUrl, /\/manage\?t=/, 'back to the manage page');
    const again = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'card' } });
    assert.equal(again.location, go.location, 'a second click gets the same payment (its idempotency key)');

    const { back } = await checkoutAndReturn(patron, mollie, paymentId, { method: 'creditcard' });
    assert.equal(back.status, 200);
    await mollie.idle();
    const newMandate = mollie.payments.get(paymentId).mandateId;
    assert.ok(newMandate && newMandate !== oldMandate);
    await eventually(() => mollie.subscriptions.get(subId).mandateId === newMandate, { message: 'the subscription on the new mandate' });
    assert.equal(mollie.subscriptions.get(subId).status, 'active', 'the subscription runs on');
    assert.equal(mollie.mandates.get(oldMandate)._revoked, true, 'the old mandate is revoked');
    const row = pledge(patron, p.pledgeId);
    assert.equal(row.status, 'active');
    assert.equal(row.subscription_id, subId);
    assert.ok(payments(patron, p.pledgeId).some((x) => x.id === paymentId && x.amount_minor === 2), 'the small payment is in the books');
    const charged = mollie.chargeSubscription(subId);
    assert.equal(charged.payment.mandateId, newMandate, 'the next month is charged the new way');
}));

test('a one-off gift is one plain payment, no customer; an expired checkout is a line in the history and no email', log(async () => {
    const email = 'gift@example.org';
    const s = await supportMollie(patron, mollie, { amount: '12', frequency: 'one_off', email, method: 'bancontact' });
    assert.equal(s.status, 303, s.body.slice(0, 300));
    const payment = mollie.payments.get(s.paymentId);
    assert.equal(payment.sequenceType, 'oneoff');
    assert.equal(payment.customerId ?? null, null);
    await checkoutAndReturn(patron, mollie, s.paymentId, { method: 'bancontact' });
    await mollie.idle();
    await eventually(() => pledge(patron, s.pledgeId)?.status === 'completed', { message: 'the gift to be completed' });
    assert.deepEqual(payments(patron, s.pledgeId), [{ id: s.paymentId, amount_minor: 1200, currency: 'EUR' }]);

    const late = await supportMollie(patron, mollie, { amount: '3', frequency: 'one_off', email: 'late@example.org' });
    const expired = mollie.expirePayment(late.paymentId);
    await expired.delivered;
    await eventually(() => history(patron, late.pledgeId).some((h) => h.note === 'the checkout ended unpaid'), { message: 'the expiry in the history' });
    await mollie.deliver([late.paymentId, late.paymentId], {});
    assert.equal(history(patron, late.pledgeId).filter((h) => h.note === 'the checkout ended unpaid').length, 1);
    assert.equal(pledge(patron, late.pledgeId).status, 'pending');
    assert.deepEqual(outbox(patron, late.pledgeId), [], 'an abandoned checkout is not emailed');
}));

test('a failed first payment is recorded once and the donor told once; the pledge is not thanked', log(async () => {
    const email = 'firstfail@example.org';
    const s = await supportMollie(patron, mollie, { amount: '5', email });
    await checkoutAndReturn(patron, mollie, s.paymentId, { status: 'failed', method: 'creditcard' });
    await mollie.idle();
    await mollie.deliver([s.paymentId], {});
    await smtp.waitFor((m) => to(email)(m) && /^Your payment did not go through/.test(m.subject));
    assert.equal(pledge(patron, s.pledgeId).status, 'pending');
    assert.deepEqual(outbox(patron, s.pledgeId).map((o) => o.kind), ['failed']);
    assert.equal(history(patron, s.pledgeId).filter((h) => h.note === 'the first payment failed').length, 1);
    assert.equal([...mollie.subscriptions.values()].filter((x) => x.metadata?.pledge_id === s.pledgeId).length, 0, 'no subscription without a paid first payment');
}));

test('the dashboard shows the pledge, its processor and its payments; erasing the donor deletes the customer at Mollie', log(async () => {
    const email = 'erase@example.org';
    const p = await paidMonthly(email);
    const customer = p.row.customer_id;
    const { addUser, signedIn } = await import('../http/dashboard-lib.mjs');
    addUser(patron, 'desk@standin-times.example', 'admin');
    const session = await signedIn(patron, 'desk@standin-times.example', undefined, '/dashboard/donors');
    const found = await session.post('/dashboard/donors/find', { email });
    assert.equal(found.status, 200);
    assert.match(found.body, /<td data-label="Processor">Mollie<\/td>/);
    const page = await session.get(`/dashboard/donors/pledge/${p.pledgeId}`);
    assert.match(page.body, /<dt>Processor<\/dt><dd>Mollie<\/dd>/);
    assert.match(page.body, new RegExp(p.paymentId));
    const reports = await session.get('/dashboard/reports');
    assert.equal(reports.status, 200);
    assert.match(reports.body, /<caption>Payments by processor<\/caption>/);
    // Each cell names its column (data-label) for the phone's cards.
    const cell = (label, value) => `<t[dh] [^>]*data-label="${label}">${value}</t[dh]>`;
    const row = (...cells) => new RegExp(cells.join(''));
    assert.match(reports.body, row(cell('Processor', 'Mollie'), cell('Currency', 'EUR'), cell('Payments', '\\d+')), 'the reports show what Mollie took in euros');
    assert.match(reports.body, row(cell('Processor', 'Mollie'), cell('Currency', 'EUR'), cell('Payments', '\\d+'), cell('Received', '[\\d,.]+'), cell('Came back', '5\\.00')), 'and the €5 that came back');
    const exported = await session.post('/dashboard/donors/export', { email });
    const data = JSON.parse(exported.body);
    assert.equal(data.pledges[0].processor_customer, customer);

    const erased = await session.post('/dashboard/donors/erase', { email, confirm: 'yes' });
    assert.equal(erased.status, 200, erased.body.slice(0, 500));
    assert.equal(mollie.subscriptions.get(p.row.subscription_id).status, 'canceled');
    const gone = await http(mollie.url, 'GET', `/v2/customers/${customer}`, { headers: { Authorization: 'Bearer test_patronMollieStandinKey0123456789ab' } });
    assert.equal(gone.status, 410, 'Mollie was asked to delete the customer');
    assert.equal(pledge(patron, p.pledgeId).customer_id, '');
}));
