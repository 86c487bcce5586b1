// The Mollie stand-in itself, driven by Mollie's official client
// (@mollie/api-client): if the library reads its answers and its errors, the
// back end patron builds against it is being tested against something shaped
// like Mollie.

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { createMollieClient } from '@mollie/api-client';
import { addInterval, parseInterval, startMollie, toMinor } from '../mollie/standin.mjs';

const KEY = 'test_standinSelfTestKey00000000000000';
const OTHER_KEY = 'test_anotherNewsroomKey0000000000000';
let mollie;
let client;
let other;
let hook;                 // a webhook receiver on loopback
const received = [];
let answers = [];         // statuses the receiver answers next (then 200)

/** The official client only speaks https (it pins Mollie's CA bundle on an
 * https.Agent); for the stand-in on plain loopback http it is given an http
 * agent while it is made, nothing else changed. */
function mollieClient(apiKey, base = mollie.url) {
    const Real = https.Agent;
    https.Agent = class extends http.Agent { constructor({ ca, ...rest } = {}) { void ca; super(rest); } };
    try {
        return createMollieClient({ apiKey, apiEndpoint: `${base}/v2/` });
    } finally {
        https.Agent = Real;
    }
}

const raw = (path, { method = 'GET', key = KEY, body, headers = {} } = {}) => fetch(`${mollie.url}${path}`, {
    method,
    headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});

const hookUrl = (name = 'hook') => `http://127.0.0.1:${hook.address().port}/${name}`;

before(async () => {
    hook = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
            res.writeHead(answers.length ? answers.shift() : 200, { 'Content-Type': 'text/plain' });
            res.end('ok');
        });
    });
    await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
    mollie = await startMollie({ retryDelaysMs: [10, 20, 40], maxAttempts: 4 });
    client = mollieClient(KEY);
    other = mollieClient(OTHER_KEY);
});

after(async () => {
    await mollie?.close();
    await new Promise((resolve) => hook?.close(resolve));
});

async function firstPayment(customerId, extra = {}) {
    return client.payments.create({
        amount: { currency: 'EUR', value: '5.00' },
        description: 'Monthly pledge p1',
        redirectUrl: 'http://127.0.0.1:1/thanks?pledge=p1',
        cancelUrl: 'http://127.0.0.1:1/support?canceled=1',
        webhookUrl: hookUrl('first'),
        locale: 'nl_NL',
        sequenceType: 'first',
        customerId,
        metadata: { pledge: 'p1' },
        ...extra,
    });
}

/** A customer with a valid mandate from a paid first payment. */
async function customerWithMandate(method = 'ideal') {
    const customer = await client.customers.create({ name: 'A Reader', email: 'reader@example.org', locale: 'nl_NL' });
    const payment = await firstPayment(customer.id);
    const done = mollie.completePayment(payment.id, { status: 'paid', method, deliver: false });
    return { customer, payment, mandate: done.mandate };
}

const rejectsWith = (promise, status, field, detail) => assert.rejects(promise, (e) => {
    assert.equal(e.statusCode, status, e.message);
    if (field !== undefined) assert.equal(e.field, field, e.message);
    if (detail) assert.match(e.message, detail);
    return true;
});

test('helpers: amounts in minor units, intervals, month arithmetic', () => {
    assert.equal(toMinor('5.00', 'EUR'), 500);
    assert.equal(toMinor('5', 'EUR'), null);
    assert.equal(toMinor('5.0', 'EUR'), null);
    assert.equal(toMinor('500', 'JPY'), 500);
    assert.equal(toMinor('500.00', 'JPY'), null);
    assert.equal(toMinor('1000.00', 'HUF'), 100000);
    assert.deepEqual(parseInterval('12 months'), { count: 12, unit: 'month' });
    assert.equal(parseInterval('13 months'), null);
    assert.equal(parseInterval('1 year'), null);
    assert.equal(addInterval('2026-01-31', { count: 1, unit: 'month' }, 31), '2026-02-28');
    assert.equal(addInterval('2026-02-28', { count: 1, unit: 'month' }, 31), '2026-03-31');
    assert.equal(addInterval('2026-12-15', { count: 14, unit: 'day' }), '2026-12-29');
});

test('a customer and a first payment as the official client reads them', async () => {
    const customer = await client.customers.create({ name: 'A Reader', email: 'reader@example.org', locale: 'nl_NL', metadata: { reader: 7 } });
    assert.equal(customer.resource, 'customer');
    assert.match(customer.id, /^cst_[A-Za-z0-9]{10}$/);
    assert.equal(customer.mode, 'test');
    assert.deepEqual(customer.metadata, { reader: 7 });
    assert.equal((await client.customers.get(customer.id)).email, 'reader@example.org');

    const payment = await firstPayment(customer.id);
    assert.equal(payment.resource, 'payment');
    assert.match(payment.id, /^tr_[A-Za-z0-9]{10}$/);
    assert.equal(payment.status, 'open');
    assert.equal(payment.sequenceType, 'first');
    assert.equal(payment.method, null);
    assert.equal(payment.customerId, customer.id);
    assert.deepEqual(payment.amount, { value: '5.00', currency: 'EUR' });
    assert.match(payment.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.ok(Date.parse(payment.expiresAt) > Date.parse(payment.createdAt));
    assert.match(payment.profileId, /^pfl_/);
    assert.equal(payment.getCheckoutUrl(), `${mollie.url}/checkout/${payment.id}`);
    assert.equal(payment.getChangePaymentStateUrl(), null);

    // The hosted page: the methods a first EUR payment can use, no directdebit.
    const page = await fetch(payment.getCheckoutUrl()).then((r) => r.text());
    assert.match(page, /EUR 5\.00/);
    assert.match(page, /value="ideal"/);
    assert.match(page, /value="creditcard"/);
    assert.doesNotMatch(page, /value="directdebit"/);
    assert.match(page, />Pay</);
    assert.match(page, />Fail</);
    assert.match(page, />Cancel</);

    received.length = 0;
    const r = await fetch(payment.getCheckoutUrl(), { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'method=bancontact&status=paid' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), 'http://127.0.0.1:1/thanks?pledge=p1');
    await mollie.idle();
    assert.equal(received.length, 1);
    assert.equal(received[0].path, '/first');
    assert.equal(received[0].body, `id=${payment.id}`);
    assert.equal(received[0].headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(received[0].headers['user-agent'], 'Mollie HTTP client/1.0');
    assert.equal(Object.keys(received[0].headers).filter((h) => /signature/i.test(h)).length, 0, 'Mollie signs no classic webhook');

    const paid = await client.payments.get(payment.id);
    assert.equal(paid.status, 'paid');
    assert.equal((await paid.getCustomer()).id, customer.id, '_links.customer leads to the customer');
    assert.equal(paid.method, 'bancontact');
    assert.ok(paid.paidAt);
    assert.equal(paid.details.consumerAccount, 'BE35947238549322');
    assert.match(paid.mandateId, /^mdt_/);
    assert.equal(paid.expiresAt, undefined);

    const mandate = await client.customerMandates.get(paid.mandateId, { customerId: customer.id });
    assert.equal((await paid.getMandate()).id, mandate.id, '_links.mandate leads to the mandate');
    assert.equal(mandate.resource, 'mandate');
    assert.equal(mandate.status, 'valid');
    assert.equal(mandate.method, 'directdebit', 'a bank first payment leaves a SEPA Direct Debit mandate');
    const list = await client.customerMandates.page({ customerId: customer.id });
    assert.deepEqual(list.map((m) => m.id), [mandate.id]);
    assert.ok((await client.customers.get(customer.id))._links.mandates);
});

test('failed, canceled and expired payments; a canceled one goes back to cancelUrl', async () => {
    const customer = await client.customers.create({});
    const failed = await firstPayment(customer.id, { method: 'creditcard' });
    mollie.completePayment(failed.id, { status: 'failed', deliver: false });
    const f = await client.payments.get(failed.id);
    assert.equal(f.status, 'failed');
    assert.ok(f.failedAt);
    assert.equal(f.details.failureReason, 'card_declined');
    assert.equal(f.mandateId, undefined, 'no mandate from a failed first payment');

    const canceled = await firstPayment(customer.id);
    const r = await fetch(`${mollie.url}/checkout/${canceled.id}`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'status=canceled' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), 'http://127.0.0.1:1/support?canceled=1');
    assert.equal((await client.payments.get(canceled.id)).status, 'canceled');
    assert.ok((await client.payments.get(canceled.id)).canceledAt);

    const expiring = await firstPayment(customer.id);
    mollie.expirePayment(expiring.id, { deliver: false });
    const e = await client.payments.get(expiring.id);
    assert.equal(e.status, 'expired');
    assert.ok(e.expiredAt);
    assert.throws(() => mollie.completePayment(expiring.id, { status: 'paid' }), /expired/);
    await mollie.idle();
});

test('subscriptions: create, list, update the amount, charge, cancel', async () => {
    const { customer, mandate } = await customerWithMandate('ideal');
    const start = addInterval(new Date().toISOString().slice(0, 10), { count: 1, unit: 'month' });
    const sub = await client.customerSubscriptions.create({
        customerId: customer.id,
        amount: { currency: 'EUR', value: '5.00' },
        interval: '1 month',
        description: 'Monthly pledge p1',
        startDate: start,
        webhookUrl: hookUrl('subscription'),
        metadata: { pledge: 'p1' },
    });
    assert.equal(sub.resource, 'subscription');
    assert.match(sub.id, /^sub_[A-Za-z0-9]{10}$/);
    assert.equal(sub.status, 'active');
    assert.equal(sub.startDate, start);
    assert.equal(sub.nextPaymentDate, start);
    assert.equal(sub.times, null);
    assert.equal(sub.customerId, customer.id);
    assert.deepEqual(sub.metadata, { pledge: 'p1' });
    assert.equal(sub.method, null);

    const listed = await client.customerSubscriptions.page({ customerId: customer.id });
    assert.deepEqual(listed.map((s) => s.id), [sub.id]);
    const rawList = await raw(`/v2/customers/${customer.id}/subscriptions`).then((x) => x.json());
    assert.equal(rawList.count, 1);
    assert.equal(rawList._embedded.subscriptions[0].id, sub.id);
    assert.equal(rawList._links.next, null);

    const updated = await client.customerSubscriptions.update(sub.id, { customerId: customer.id, amount: { currency: 'EUR', value: '7.00' } });
    assert.equal(updated.amount.value, '7.00');
    assert.equal((await client.customerSubscriptions.get(sub.id, { customerId: customer.id })).amount.value, '7.00');

    received.length = 0;
    const charged = mollie.chargeSubscription(sub.id);
    await charged.delivered;
    const p = await client.payments.get(charged.payment.id);
    assert.equal(p.sequenceType, 'recurring');
    assert.equal(p.status, 'paid');
    assert.equal(p.subscriptionId, sub.id);
    assert.equal(p.customerId, customer.id);
    assert.equal(p.mandateId, mandate.id);
    assert.equal(p.method, 'directdebit');
    assert.equal(p.amount.value, '7.00');
    assert.deepEqual(p.metadata, { pledge: 'p1' }, 'the subscription metadata is forwarded to its payments');
    assert.equal(p.redirectUrl, null);
    assert.equal((await p.getSubscription()).id, sub.id, '_links.subscription leads to the subscription');
    assert.deepEqual(received.map((r) => [r.path, r.body]), [['/subscription', `id=${p.id}`]]);
    const after1 = await client.customerSubscriptions.get(sub.id, { customerId: customer.id });
    assert.equal(after1.nextPaymentDate, addInterval(start, { count: 1, unit: 'month' }));
    const subPayments = await client.subscriptionPayments.page({ customerId: customer.id, subscriptionId: sub.id });
    assert.deepEqual(subPayments.map((x) => x.id), [p.id]);

    const failed = mollie.chargeSubscription(sub.id, { fail: true, deliver: false });
    assert.equal(failed.payment.status, 'failed');
    assert.equal(failed.payment.details.bankReasonCode, 'AM04');

    const canceled = await client.customerSubscriptions.cancel(sub.id, { customerId: customer.id });
    assert.equal(canceled.status, 'canceled');
    assert.ok(canceled.canceledAt);
    assert.equal(canceled.nextPaymentDate, null);
    await rejectsWith(client.customerSubscriptions.cancel(sub.id, { customerId: customer.id }), 422, undefined, /has been cancelled/);
    await rejectsWith(client.customerSubscriptions.update(sub.id, { customerId: customer.id, amount: { currency: 'EUR', value: '9.00' } }), 422, undefined, /canceled/);
    assert.throws(() => mollie.chargeSubscription(sub.id), /canceled/);
    // A canceled subscription frees its description.
    const again = await client.customerSubscriptions.create({ customerId: customer.id, amount: { currency: 'EUR', value: '5.00' }, interval: '1 month', description: 'Monthly pledge p1' });
    assert.equal(again.status, 'active');
    await mollie.idle();
});

test('subscriptions count their times and complete', async () => {
    const { customer } = await customerWithMandate('creditcard');
    const sub = await client.customerSubscriptions.create({ customerId: customer.id, amount: { currency: 'USD', value: '12.00' }, interval: '12 months', times: 2, description: 'Annual pledge' });
    assert.equal(sub.timesRemaining, 2);
    mollie.chargeSubscription(sub.id, { deliver: false });
    assert.equal(mollie.subscriptions.get(sub.id).timesRemaining, 1);
    const last = mollie.chargeSubscription(sub.id, { deliver: false });
    assert.equal(last.payment.method, 'creditcard');
    const done = await client.customerSubscriptions.get(sub.id, { customerId: customer.id });
    assert.equal(done.status, 'completed');
    assert.equal(done.timesRemaining, 0);
    assert.equal(done.nextPaymentDate, undefined);
});

test('a chargeback on a paid recurring payment', async () => {
    const { customer } = await customerWithMandate('ideal');
    const sub = await client.customerSubscriptions.create({ customerId: customer.id, amount: { currency: 'EUR', value: '10.00' }, interval: '1 month', description: 'Monthly', webhookUrl: hookUrl('subscription') });
    const { payment } = mollie.chargeSubscription(sub.id, { deliver: false });
    received.length = 0;
    const cb = mollie.chargeback(payment.id, { amount: '4.00' });
    await cb.delivered;
    assert.deepEqual(received.map((r) => r.body), [`id=${payment.id}`], 'a chargeback calls the payment webhook');
    const p = await client.payments.get(payment.id);
    assert.equal(p.status, 'paid', 'a charged-back payment stays paid');
    assert.deepEqual(p.amountChargedBack, { value: '4.00', currency: 'EUR' });
    assert.equal(p.hasChargebacks(), true);
    const followed = [];
    for await (const c of p.getChargebacks()) followed.push(c.id);
    assert.equal(followed.length, 1, '_links.chargebacks leads to the list');
    const list = await client.paymentChargebacks.page({ paymentId: payment.id });
    assert.equal(list.length, 1);
    assert.equal(list[0].resource, 'chargeback');
    assert.match(list[0].id, /^chb_/);
    assert.deepEqual(list[0].amount, { currency: 'EUR', value: '4.00' });
    assert.equal(list[0].settlementAmount.value, '-4.00');
    assert.equal(list[0].paymentId, payment.id);
    assert.equal(list[0].reason.code, 'MD06');
    const embedded = await client.payments.get(payment.id, { embed: ['chargebacks'] });
    assert.equal(embedded._embedded.chargebacks.length, 1);
    // The rest, from the paid payment's test page (its changePaymentState link).
    const page = await fetch(p.getChangePaymentStateUrl()).then((r) => r.text());
    assert.match(page, /id="chargeback"/);
    const r = await fetch(p.getChangePaymentStateUrl(), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'status=chargeback' });
    assert.equal(r.status, 200);
    await mollie.idle();
    assert.equal((await client.payments.get(payment.id)).amountChargedBack.value, '10.00');
    assert.throws(() => mollie.chargeback(payment.id, { deliver: false }), /cannot charge back/);
});

test('revoking a mandate cancels its subscriptions; deleting a customer cancels everything', async () => {
    const { customer, mandate } = await customerWithMandate('ideal');
    const pinned = await client.customerSubscriptions.create({ customerId: customer.id, amount: { currency: 'EUR', value: '5.00' }, interval: '1 month', description: 'Pinned', mandateId: mandate.id });
    assert.equal(pinned.mandateId, mandate.id);
    const loose = await client.customerSubscriptions.create({ customerId: customer.id, amount: { currency: 'EUR', value: '5.00' }, interval: '14 days', description: 'Loose' });
    assert.equal(await client.customerMandates.revoke(mandate.id, { customerId: customer.id }), true);
    assert.equal((await client.customerSubscriptions.get(pinned.id, { customerId: customer.id })).status, 'canceled');
    assert.equal((await client.customerSubscriptions.get(loose.id, { customerId: customer.id })).status, 'canceled', 'no valid mandate is left for it');
    await rejectsWith(client.customerMandates.get(mandate.id, { customerId: customer.id }), 410);
    assert.equal((await client.customerMandates.page({ customerId: customer.id })).length, 0);

    const second = await customerWithMandate('paypal');
    const sub = await client.customerSubscriptions.create({ customerId: second.customer.id, amount: { currency: 'EUR', value: '5.00' }, interval: '1 month', description: 'Monthly' });
    assert.equal(await client.customers.delete(second.customer.id), true);
    assert.equal(mollie.subscriptions.get(sub.id).status, 'canceled');
    assert.equal(mollie.mandates.get(second.mandate.id).status, 'invalid');
    await rejectsWith(client.customers.get(second.customer.id), 410);
    // Its payments stay readable.
    assert.equal((await client.payments.get(second.payment.id)).status, 'paid');
});

test('idempotency keys: the same answer for the same request, 400 for another', async () => {
    const body = { amount: { currency: 'EUR', value: '3.00' }, description: 'Gift g1', redirectUrl: 'http://127.0.0.1:1/thanks' };
    const before = mollie.payments.size;
    const first = await raw('/v2/payments', { method: 'POST', body, headers: { 'Idempotency-Key': 'gift-g1' } });
    assert.equal(first.status, 201);
    const a = await first.json();
    const second = await raw('/v2/payments', { method: 'POST', body: { redirectUrl: body.redirectUrl, description: body.description, amount: body.amount }, headers: { 'Idempotency-Key': 'gift-g1' } });
    assert.equal(second.status, 201);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await second.json(), a);
    assert.equal(mollie.payments.size, before + 1);
    assert.equal(mollie.requests.filter((r) => r.idempotencyKey === 'gift-g1' && r.replayed).length, 1);

    const conflicting = await raw('/v2/payments', { method: 'POST', body: { ...body, amount: { currency: 'EUR', value: '4.00' } }, headers: { 'Idempotency-Key': 'gift-g1' } });
    assert.equal(conflicting.status, 400);
    const err = await conflicting.json();
    assert.equal(err.status, 400);
    assert.equal(err.title, 'Bad Request');
    assert.ok(err._links.documentation.href);
    assert.equal(mollie.payments.size, before + 1);

    // Keys belong to an API key: another account's same key is a new request.
    const elsewhere = await raw('/v2/payments', { method: 'POST', key: OTHER_KEY, body, headers: { 'Idempotency-Key': 'gift-g1' } });
    assert.equal(elsewhere.status, 201);
    assert.notEqual((await elsewhere.json()).id, a.id);

    // The official client's own key travels as the header.
    const viaClient = await client.payments.create({ ...body, idempotencyKey: 'gift-g2' });
    const replayed = await client.payments.create({ ...body, idempotencyKey: 'gift-g2' });
    assert.equal(replayed.id, viaClient.id);
    // An error answer is replayed too.
    const bad = { ...body, amount: { currency: 'EUR', value: '3' } };
    const e1 = await raw('/v2/payments', { method: 'POST', body: bad, headers: { 'Idempotency-Key': 'gift-g3' } });
    const e2 = await raw('/v2/payments', { method: 'POST', body: bad, headers: { 'Idempotency-Key': 'gift-g3' } });
    assert.equal(e1.status, 422);
    assert.equal(e2.status, 422);
    assert.equal(e2.headers.get('idempotent-replayed'), 'true');
});

test('validation errors as Mollie words them, with the field', async () => {
    const base = { amount: { currency: 'EUR', value: '5.00' }, description: 'Gift', redirectUrl: 'http://127.0.0.1:1/thanks' };
    const create = (over) => client.payments.create({ ...base, ...over });
    await rejectsWith(create({ amount: { currency: 'EUR', value: '5' } }), 422, 'amount.value', /The amount contains an invalid value/);
    await rejectsWith(create({ amount: { currency: 'EUR', value: '5.0' } }), 422, 'amount.value');
    await rejectsWith(create({ amount: { currency: 'EUR', value: 5 } }), 422, 'amount.value');
    await rejectsWith(create({ amount: { currency: 'JPY', value: '500.00' } }), 422, 'amount.value');
    assert.equal((await create({ amount: { currency: 'JPY', value: '500' }, method: 'creditcard' })).amount.value, '500');
    await rejectsWith(create({ amount: { currency: 'EUR', value: '0.00' } }), 422, 'amount', /lower than the minimum/);
    await rejectsWith(create({ amount: { currency: 'XXX', value: '5.00' } }), 422, 'amount.currency');
    await rejectsWith(create({ amount: { value: '5.00' } }), 422, 'amount.currency', /does not contain a currency/);
    await rejectsWith(create({ amount: undefined }), 422, 'amount', /The amount is required for payments/);
    await rejectsWith(create({ description: undefined }), 422, 'description');
    await rejectsWith(create({ redirectUrl: undefined }), 422, 'redirectUrl');
    await rejectsWith(create({ redirectUrl: 'javascript:alert(1)' }), 422, 'redirectUrl');
    await rejectsWith(create({ webhookUrl: 'not a url' }), 422, 'webhookUrl');
    await rejectsWith(create({ method: 'ideal', amount: { currency: 'GBP', value: '5.00' } }), 422, 'method', /does not support the currency GBP/);
    await rejectsWith(create({ method: 'bitcoinz' }), 422, 'method');
    await rejectsWith(create({ metadata: { blob: 'x'.repeat(1100) } }), 422, 'metadata');
    await rejectsWith(create({ sequenceType: 'sometimes' }), 422, 'sequenceType');
    // Mollie takes any xx_XX locale (its pages show 24 of them); 'ru' is not one.
    await rejectsWith(create({ locale: 'ru' }), 422, 'locale', /The locale is invalid/);
    assert.equal((await create({ locale: 'ru_RU' })).locale, 'ru_RU');
    // Descriptions longer than 255 are truncated, not refused.
    assert.equal((await create({ description: 'd'.repeat(300) })).description.length, 255);

    const customer = await client.customers.create({ name: 'No Mandate' });
    await rejectsWith(create({ sequenceType: 'first' }), 422, 'customerId');
    await rejectsWith(create({ sequenceType: 'first', customerId: customer.id, method: 'directdebit' }), 422, 'method', /directdebit/);
    await rejectsWith(create({ sequenceType: 'recurring', customerId: customer.id, redirectUrl: undefined }), 422, 'customerId', /No suitable mandates found for customer/);
    await rejectsWith(client.customerSubscriptions.create({ customerId: customer.id, amount: base.amount, interval: '1 month', description: 'M' }), 422, 'customerId', /No suitable mandates/);
    await rejectsWith(create({ customerId: 'cst_doesnotexist' }), 422, 'customerId');

    const { customer: withMandate } = await customerWithMandate('ideal');
    const sub = { customerId: withMandate.id, amount: base.amount, interval: '1 month', description: 'Monthly pledge' };
    await client.customerSubscriptions.create(sub);
    await rejectsWith(client.customerSubscriptions.create(sub), 422, 'description', /not unique/);
    await rejectsWith(client.customerSubscriptions.create({ ...sub, description: 'Other', interval: '1 year' }), 422, 'interval');
    await rejectsWith(client.customerSubscriptions.create({ ...sub, description: 'Other', interval: '13 months' }), 422, 'interval');
    await rejectsWith(client.customerSubscriptions.create({ ...sub, description: 'Other', startDate: '2026-02-30' }), 422, 'startDate');
    await rejectsWith(client.customerSubscriptions.create({ ...sub, description: 'Other', amount: { currency: 'GBP', value: '5.00' } }), 422, 'amount.currency', /directdebit/);
    await rejectsWith(client.customerSubscriptions.create({ ...sub, description: 'Other', method: 'creditcard' }), 422, 'method', /No suitable mandates found for method/);
    // A recurring payment on the mandate needs no redirect URL.
    const recurring = await create({ sequenceType: 'recurring', customerId: withMandate.id, redirectUrl: undefined });
    assert.equal(recurring.status, 'pending');
    assert.equal(recurring.method, 'directdebit');
    assert.equal(recurring.getCheckoutUrl(), null);
    assert.equal(recurring.getChangePaymentStateUrl(), `${mollie.url}/checkout/${recurring.id}`);
});

test('keys: 401 in Mollie\'s shape without one or with a malformed or unknown key', async () => {
    for (const auth of [undefined, 'Bearer test_short', 'Bearer sk_test_abcdefghijklmnopqrstuvwxyz0123', 'Basic dGVzdA==', `Bearer ${KEY} extra`]) {
        const r = await fetch(`${mollie.url}/v2/payments/tr_xxxxxxxxxx`, { headers: auth ? { Authorization: auth } : {} });
        assert.equal(r.status, 401, `Authorization ${auth}`);
        assert.match(r.headers.get('content-type'), /^application\/hal\+json/);
        const body = await r.json();
        assert.deepEqual(Object.keys(body), ['status', 'title', 'detail', '_links']);
        assert.equal(body.status, 401);
        assert.equal(body.title, 'Unauthorized Request');
        assert.equal(body._links.documentation.type, 'text/html');
    }
    const pinned = await startMollie({ apiKey: KEY });
    try {
        await rejectsWith(mollieClient(OTHER_KEY, pinned.url).customers.create({}), 401);
        assert.equal((await mollieClient(KEY, pinned.url).customers.create({})).resource, 'customer');
        assert.equal((await mollieClient(`live_${'L'.repeat(30)}`, pinned.url).customers.create({}).catch((e) => e)).statusCode, 401);
    } finally {
        await pinned.close();
    }
});

test('another newsroom\'s key sees none of these objects (404)', async () => {
    const { customer, payment } = await customerWithMandate('ideal');
    await rejectsWith(other.payments.get(payment.id), 404, undefined, new RegExp(`No payment exists with token ${payment.id}`));
    await rejectsWith(other.customers.get(customer.id), 404);
    await rejectsWith(other.customerMandates.page({ customerId: customer.id }), 404);
    await rejectsWith(other.payments.create({ amount: { currency: 'EUR', value: '5.00' }, description: 'x', redirectUrl: 'http://127.0.0.1:1/', sequenceType: 'first', customerId: customer.id }), 422, 'customerId');
    assert.equal((await other.payments.page()).some((p) => p.id === payment.id), false);
    // Unknown routes and methods.
    assert.equal((await raw('/v2/nothing-here')).status, 404);
    const r = await raw(`/v2/payments/${payment.id}`, { method: 'DELETE' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET');
    assert.equal((await raw('/v2/payments', { method: 'POST', body: '{"amount":' })).status, 400);
});

test('webhooks: retried after a 500 from the receiver; replayed on demand; loopback only', async () => {
    const customer = await client.customers.create({});
    const payment = await firstPayment(customer.id, { webhookUrl: hookUrl('retry') });
    received.length = 0;
    answers = [500, 503];
    const { delivered } = mollie.completePayment(payment.id, { status: 'paid', method: 'creditcard' });
    const [result] = await delivered;
    assert.equal(result.attempts, 3);
    assert.equal(result.status, 200);
    assert.deepEqual(received.map((r) => r.body), Array(3).fill(`id=${payment.id}`));
    assert.deepEqual(mollie.deliveries.filter((d) => d.id === payment.id).map((d) => d.status), [500, 503, 200]);

    answers = [500, 500, 500, 500];
    const gaveUp = await mollie.deliver(payment.id);
    assert.equal(gaveUp[0].attempts, 4, 'maxAttempts');
    assert.equal(gaveUp[0].status, 500);

    received.length = 0;
    const many = await mollie.deliver([payment.id, 'tr_unknown0001'], { url: hookUrl('replay'), duplicates: 2, shuffle: true, concurrency: 4 });
    assert.equal(many.length, 6);
    assert.ok(many.every((r) => r.status === 200));
    assert.equal(received.filter((r) => r.body === 'id=tr_unknown0001').length, 3);
    const big = await mollie.deliver(payment.id, { body: 'x'.repeat(1024), maxAttempts: 1 });
    assert.equal(big[0].status, 200);
    assert.equal(received.at(-1).body.length, 1024);

    // Never sent: refused before any connection, and not retried.
    const refused = await mollie.deliver(payment.id, { url: 'http://192.0.2.1/hook', maxAttempts: 3 });
    assert.match(refused[0].error, /off loopback/);
    assert.equal(refused[0].attempts, 1);
    const closed = await mollie.deliver(payment.id, { url: 'http://127.0.0.1:1/hook', maxAttempts: 2 });
    assert.equal(closed[0].status, null);
    assert.equal(closed[0].attempts, 2);
});

test('fault injection: Mollie failing, slow or hanging', async () => {
    // A 500 (with Retry-After: 0): the official client retries with the same
    // idempotency key, and the payment is made once.
    const before = mollie.payments.size;
    const fault = mollie.injectFault({ method: 'POST', path: '/v2/payments', status: 500, retryAfter: 0 });
    const p = await client.payments.create({ amount: { currency: 'EUR', value: '5.00' }, description: 'Gift', redirectUrl: 'http://127.0.0.1:1/' });
    assert.equal(fault.count, 0);
    assert.equal(mollie.payments.size, before + 1);
    const posts = mollie.requests.filter((r) => r.method === 'POST' && r.path === '/v2/payments').slice(-2);
    assert.equal(posts[0].status, 500);
    assert.equal(posts[0].fault, true);
    assert.equal(posts[1].status, 201);
    assert.equal(posts[0].idempotencyKey, posts[1].idempotencyKey);

    // A 503 on GET, in Mollie's error shape.
    mollie.injectFault({ path: /^\/v2\/payments\//, status: 503 });
    const r = await raw(`/v2/payments/${p.id}`);
    assert.equal(r.status, 503);
    assert.equal((await r.json()).title, 'Service Unavailable');
    assert.equal((await raw(`/v2/payments/${p.id}`)).status, 200);

    // Slow: the answer held back.
    mollie.injectFault({ path: `/v2/payments/${p.id}`, status: null, holdMs: 300 });
    const t0 = Date.now();
    assert.equal((await raw(`/v2/payments/${p.id}`)).status, 200);
    assert.ok(Date.now() - t0 >= 280);

    // Hanging: the caller's own timeout is what ends it.
    mollie.injectFault({ path: `/v2/payments/${p.id}`, status: null, holdMs: 60_000 });
    await assert.rejects(fetch(`${mollie.url}/v2/payments/${p.id}`, { headers: { Authorization: `Bearer ${KEY}` }, signal: AbortSignal.timeout(200) }), /aborted|timeout/i);
});

test('form-encoded requests are read as Mollie reads them', async () => {
    const r = await fetch(`${mollie.url}/v2/payments`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'amount[currency]=EUR&amount[value]=10.00&description=Order%20%2312345&redirectUrl=http%3A%2F%2F127.0.0.1%3A1%2Fdone',
    });
    assert.equal(r.status, 201);
    assert.deepEqual((await r.json()).amount, { currency: 'EUR', value: '10.00' });
});

test('close() ends webhook retries still waiting', async () => {
    const m = await startMollie({ apiKey: KEY, retryDelaysMs: [60_000] });
    const c = mollieClient(KEY, m.url);
    const p = await c.payments.create({ amount: { currency: 'EUR', value: '5.00' }, description: 'Gift', redirectUrl: 'http://127.0.0.1:1/', webhookUrl: 'http://127.0.0.1:1/hook' });
    const { delivered } = m.completePayment(p.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const t0 = Date.now();
    await m.close();
    const [result] = await delivered;
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(result.attempts, 1);
    assert.equal(result.status, null);
});

test('refunds: partial ones add up to what remains, as the official client reads them', async () => {
    const { customer } = await customerWithMandate('ideal');
    const sub = await client.customerSubscriptions.create({ customerId: customer.id, amount: { currency: 'EUR', value: '10.00' }, interval: '1 month', description: 'Monthly', webhookUrl: hookUrl('subscription') });
    const { payment } = mollie.chargeSubscription(sub.id, { deliver: false });
    const refund = await client.paymentRefunds.create({ paymentId: payment.id, amount: { currency: 'EUR', value: '4.00' }, description: 'Refund' });
    assert.equal(refund.resource, 'refund');
    assert.match(refund.id, /^re_/);
    assert.deepEqual(refund.amount, { currency: 'EUR', value: '4.00' });
    assert.equal(refund.settlementAmount.value, '-4.00');
    assert.equal(refund.paymentId, payment.id);
    assert.equal(refund.status, 'pending');
    for (const field of ['mode', 'description', 'metadata', 'createdAt', '_links']) assert.ok(field in refund, `refund.${field}`);
    await assert.rejects(client.paymentRefunds.create({ paymentId: payment.id, amount: { currency: 'EUR', value: '6.01' }, description: 'Too much' }),
        (e) => e.statusCode === 422 && e.field === 'amount');
    await assert.rejects(client.paymentRefunds.create({ paymentId: payment.id, amount: { currency: 'USD', value: '1.00' }, description: 'Other currency' }),
        (e) => e.statusCode === 422);
    await client.paymentRefunds.create({ paymentId: payment.id, amount: { currency: 'EUR', value: '6.00' }, description: 'The rest' });
    const p = await client.payments.get(payment.id);
    assert.deepEqual(p.amountRefunded, { value: '10.00', currency: 'EUR' });
    assert.deepEqual(p.amountRemaining, { value: '0.00', currency: 'EUR' });
    const list = await client.paymentRefunds.page({ paymentId: payment.id });
    assert.equal(list.length, 2);
    const one = await client.paymentRefunds.get(refund.id, { paymentId: payment.id });
    assert.equal(one.id, refund.id);
});
