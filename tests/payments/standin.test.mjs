// The stand-in itself, driven by the official `stripe` package as a client:
// if the library reads its answers and verifies its signatures, patron is
// being tested against something shaped like Stripe.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { startStandin } from '../stripe/standin.mjs';
import { encodeForm, parseForm } from '../stripe/form.mjs';

const KEY = 'sk_test_standinSelfTest000000000000';
const SECRET = 'whsec_standinSelfTestSecret';
let standin;
let client;
let hook;          // a webhook receiver on loopback
const received = [];
let answerWith = 200;

before(async () => {
    hook = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
            res.writeHead(answerWith, { 'Content-Type': 'application/json' });
            res.end('{}');
        });
    });
    await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
    standin = await startStandin({ secret: SECRET, webhookUrl: `http://127.0.0.1:${hook.address().port}/hook`, delivery: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 5 } });
    const port = Number(new URL(standin.url).port);
    client = new Stripe(KEY, { host: '127.0.0.1', port, protocol: 'http', apiVersion: '2024-06-20', maxNetworkRetries: 0 });
});

after(async () => {
    await standin?.close();
    await new Promise((resolve) => hook?.close(resolve));
});

const checkoutParams = (pledge = 'p1') => ({
    mode: 'subscription',
    success_url: 'http://127.0.0.1:1/thanks?pledge=p1&session={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://127.0.0.1:1/support',
    locale: 'en',
    client_reference_id: pledge,
    metadata: { pledge_id: pledge },
    line_items: [{ price_data: { currency: 'usd', product_data: { name: 'Support' }, unit_amount: 1, recurring: { interval: 'month' } }, quantity: 200 }],
    subscription_data: { metadata: { pledge_id: pledge } },
});

test('the form parser reads Stripe bracket syntax', () => {
    const p = parseForm('line_items[0][price_data][currency]=usd&line_items[0][quantity]=2&expand[]=a&expand[]=b&pause_collection=&metadata[k]=v');
    assert.deepEqual(p, { line_items: [{ price_data: { currency: 'usd' }, quantity: '2' }], expand: ['a', 'b'], pause_collection: '', metadata: { k: 'v' } });
    assert.deepEqual(parseForm(encodeForm({ a: [{ b: 1 }, { b: 2 }], c: { d: 'x' } })), { a: [{ b: '1' }, { b: '2' }], c: { d: 'x' } });
    assert.throws(() => parseForm('a=1&a[b]=2'));
});

test('checkout, subscription and portal as the official client reads them', async () => {
    const session = await client.checkout.sessions.create(checkoutParams());
    assert.equal(session.object, 'checkout.session');
    assert.match(session.id, /^cs_test_/);
    assert.equal(session.status, 'open');
    assert.equal(session.amount_total, 200);
    assert.ok(session.url.startsWith(`${standin.url}/pay/`));
    const again = await client.checkout.sessions.retrieve(session.id);
    assert.equal(again.id, session.id);

    const done = standin.completeSession(session.id, { email: 'a@example.org', deliver: false });
    const read = await client.checkout.sessions.retrieve(session.id);
    assert.equal(read.status, 'complete');
    assert.equal(read.payment_status, 'paid');
    assert.equal(read.customer_details.email, 'a@example.org');
    assert.equal(read.subscription, done.subscription.id);

    const sub = await client.subscriptions.retrieve(done.subscription.id);
    assert.equal(sub.status, 'active');
    assert.equal(sub.items.data[0].quantity, 200);
    assert.equal(sub.items.data[0].price.unit_amount, 1);
    assert.equal(sub.items.data[0].price.recurring.interval, 'month');
    assert.equal(sub.metadata.pledge_id, 'p1');
    assert.equal(typeof sub.current_period_end, 'number', '2024-06-20 has current_period_end on the subscription');

    const updated = await client.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, quantity: 500 }], proration_behavior: 'none' });
    assert.equal(updated.items.data[0].quantity, 500);
    const paused = await client.subscriptions.update(sub.id, { pause_collection: { behavior: 'void' } });
    assert.equal(paused.pause_collection.behavior, 'void');
    const resumed = await client.subscriptions.update(sub.id, { pause_collection: '' });
    assert.equal(resumed.pause_collection, null);

    const portal = await client.billingPortal.sessions.create({ customer: sub.customer, return_url: 'http://127.0.0.1:1/manage?t=x' });
    assert.ok(portal.url.startsWith(`${standin.url}/portal/`));
    const page = await fetch(portal.url).then((r) => r.text());
    assert.match(page, /href="http:\/\/127\.0\.0\.1:1\/manage\?t=x"/);
    const customer = await client.customers.retrieve(sub.customer);
    assert.equal(customer.email, 'a@example.org');

    const canceled = await client.subscriptions.cancel(sub.id);
    assert.equal(canceled.status, 'canceled');
    await assert.rejects(client.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, quantity: 300 }] }), /canceled subscription/);
    await assert.rejects(client.subscriptions.retrieve('sub_missing'), (e) => e.statusCode === 404 && e.code === 'resource_missing');
});

test('a deleted customer, as the official client reads it: gone, its running subscription cancelled', async () => {
    const session = await client.checkout.sessions.create(checkoutParams());
    const done = standin.completeSession(session.id, { email: 'erase@example.org', deliver: false });
    const customer = done.subscription.customer;
    const deleted = await client.customers.del(customer);
    assert.deepEqual({ id: deleted.id, object: deleted.object, deleted: deleted.deleted }, { id: customer, object: 'customer', deleted: true });
    assert.equal((await client.subscriptions.retrieve(done.subscription.id)).status, 'canceled');
    assert.equal((await client.customers.retrieve(customer)).deleted, true, 'read back as a deleted stub');
    await assert.rejects(client.customers.del(customer), (e) => e.statusCode === 404 && e.code === 'resource_missing');
});

test('newer API versions get the newer shapes', async () => {
    const session = await client.checkout.sessions.create(checkoutParams('p2'));
    const done = standin.completeSession(session.id, { deliver: false });
    const r = await fetch(`${standin.url}/v1/subscriptions/${done.subscription.id}`, { headers: { Authorization: `Bearer ${KEY}`, 'Stripe-Version': '2025-03-31.basil' } });
    const sub = await r.json();
    assert.equal(sub.current_period_end, undefined);
    assert.equal(typeof sub.items.data[0].current_period_end, 'number');
    const inv = await fetch(`${standin.url}/v1/invoices/${done.invoice.id}`, { headers: { Authorization: `Bearer ${KEY}`, 'Stripe-Version': '2025-03-31.basil' } }).then((x) => x.json());
    assert.equal(inv.subscription, undefined);
    assert.equal(inv.parent.subscription_details.subscription, done.subscription.id);
});

test('keys: 401 without one or with a live or unknown key', async () => {
    for (const auth of [undefined, 'Bearer sk_live_abcdefghijkl', 'Basic xyz', 'Bearer pk_test_abcdefghijk']) {
        const r = await fetch(`${standin.url}/v1/customers/cus_x`, { headers: auth ? { Authorization: auth } : {} });
        assert.equal(r.status, 401, `Authorization ${auth}`);
        const body = await r.json();
        assert.equal(body.error.type, 'invalid_request_error');
    }
    const bad = new Stripe('sk_live_nope000000000000', { host: '127.0.0.1', port: Number(new URL(standin.url).port), protocol: 'http', maxNetworkRetries: 0 });
    await assert.rejects(bad.customers.retrieve('cus_x'), (e) => e.statusCode === 401);
});

test('idempotency keys: the same answer for the same request, 400 for another', async () => {
    const params = checkoutParams('p3');
    const first = await client.checkout.sessions.create(params, { idempotencyKey: 'key-p3' });
    const second = await client.checkout.sessions.create(params, { idempotencyKey: 'key-p3' });
    assert.equal(second.id, first.id);
    assert.equal(second.lastResponse.headers['idempotent-replayed'], 'true');
    assert.equal([...standin.state.sessions.values()].filter((s) => s.metadata.pledge_id === 'p3').length, 1);
    const other = checkoutParams('p3');
    other.line_items[0].quantity = 300;
    await assert.rejects(client.checkout.sessions.create(other, { idempotencyKey: 'key-p3' }),
        (e) => e.statusCode === 400 && e.type === 'StripeIdempotencyError');
});

test('parameter errors as Stripe words them', async () => {
    const noMode = checkoutParams('p4');
    delete noMode.mode;
    await assert.rejects(client.checkout.sessions.create(noMode), (e) => e.statusCode === 400 && e.param === 'mode' && /Missing required param: mode/.test(e.message));
    const small = checkoutParams('p4');
    small.line_items[0].quantity = 10;
    await assert.rejects(client.checkout.sessions.create(small), (e) => e.statusCode === 400 && /at least 0.50 USD/.test(e.message));
    const fraction = encodeForm(checkoutParams('p4')).replace('quantity%5D=200', 'quantity%5D=2.5');
    const r = await fetch(`${standin.url}/v1/checkout/sessions`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: fraction });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /Invalid integer: 2.5/);
    const payWithRecurring = checkoutParams('p4');
    payWithRecurring.mode = 'payment';
    delete payWithRecurring.subscription_data;
    await assert.rejects(client.checkout.sessions.create(payWithRecurring), (e) => e.statusCode === 400 && /recurring price/.test(e.message));
});

test('the hosted page completes and redirects with the session id', async () => {
    const session = await client.checkout.sessions.create(checkoutParams('p5'));
    const page = await fetch(session.url).then((r) => r.text());
    assert.match(page, /<input id="email" name="email" type="email"/);
    assert.match(page, />Pay</);
    const r = await fetch(session.url, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'email=b%40example.org' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `http://127.0.0.1:1/thanks?pledge=p1&session=${session.id}`);
    await standin.idle();
});

test('webhooks: signed so that the official library verifies them; retried until 2xx', async () => {
    received.length = 0;
    const session = await client.checkout.sessions.create(checkoutParams('p6'));
    const done = standin.completeSession(session.id, { email: 'c@example.org' });
    await done.delivered;
    assert.deepEqual(received.map((r) => JSON.parse(r.body).type), ['checkout.session.completed', 'customer.subscription.created', 'invoice.paid']);
    for (const r of received) {
        const event = client.webhooks.constructEvent(r.body, r.headers['stripe-signature'], SECRET);
        assert.equal(event.object, 'event');
        assert.equal(event.api_version, '2024-06-20');
    }
    const invoice = JSON.parse(received[2].body).data.object;
    assert.equal(invoice.subscription, done.subscription.id);
    assert.equal(invoice.amount_paid, 200);

    received.length = 0;
    answerWith = 503;
    const failed = await standin.deliver(done.events[0], { maxAttempts: 3 });
    assert.equal(failed[0].attempts, 3);
    answerWith = 200;
    assert.equal(received.length, 3);
    const results = await standin.deliver(done.events, { duplicates: 2, shuffle: true, concurrency: 4 });
    assert.equal(results.length, 9);
    assert.ok(results.every((r) => r.status === 200));

    // Two secrets give two v1 entries; old timestamps are refused by the library.
    received.length = 0;
    await standin.deliver(done.events[0], { secret: ['whsec_other', SECRET], timestampOffset: -600 });
    assert.equal(received[0].headers['stripe-signature'].split(',').filter((p) => p.startsWith('v1=')).length, 2);
    assert.throws(() => client.webhooks.constructEvent(received[0].body, received[0].headers['stripe-signature'], SECRET), /Timestamp outside the tolerance zone/);
});

test('invoices: paid, failed with attempt counts, retried; processor-side cancel', async () => {
    const session = await client.checkout.sessions.create(checkoutParams('p7'));
    const { subscription } = standin.completeSession(session.id, { deliver: false });
    const failed = standin.failInvoice(subscription.id, { deliver: false });
    assert.equal(failed.invoice.attempt_count, 1);
    assert.equal(standin.subscription(subscription.id).status, 'past_due');
    assert.deepEqual(failed.events.map((e) => e.type), ['invoice.payment_failed', 'customer.subscription.updated']);
    const again = standin.retryInvoice(failed.invoice.id, { fail: true, deliver: false });
    assert.equal(again.events[0].data.object.attempt_count, 2);
    const paid = standin.retryInvoice(failed.invoice.id, { deliver: false });
    assert.equal(paid.events[0].type, 'invoice.paid');
    assert.equal(paid.events[0].data.object.attempt_count, 3);
    assert.equal(standin.subscription(subscription.id).status, 'active');
    const cycle = standin.chargeInvoice(subscription.id, { deliver: false });
    assert.equal(cycle.invoice.billing_reason, 'subscription_cycle');
    const cancelled = standin.cancelSubscription(subscription.id, { deliver: false });
    assert.equal(cancelled.events[0].type, 'customer.subscription.deleted');
    assert.equal((await client.subscriptions.retrieve(subscription.id)).status, 'canceled');
});

test('unknown parameters are refused, as Stripe refuses them', async () => {
    const params = checkoutParams('p8');
    params.line_items[0].price_data.amount = 5;
    await assert.rejects(client.checkout.sessions.create(params), (e) => e.statusCode === 400 && e.code === 'parameter_unknown' && e.param === 'line_items[0][price_data][amount]');
    const top = checkoutParams('p8');
    top.colour = 'red';
    await assert.rejects(client.checkout.sessions.create(top), (e) => e.code === 'parameter_unknown' && e.param === 'colour');
});

// The fields the official package's types say every object of a kind has
// (not optional, `name: type;` at the interface's top level): the stand-in's
// objects must carry each one. Fields newer than the pinned 2024-06-20 are
// named here, so that the list is honest about what is left out.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const NEWER_THAN_PINNED = new Set(['customer_account']);

function requiredFields(resource, name) {
    const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'node_modules', 'stripe');
    const text = readFileSync(path.join(root, 'esm', 'resources', `${resource}.d.ts`), 'utf8');
    const start = text.indexOf(`interface ${name} {`);
    assert.ok(start >= 0, `${name} in ${resource}.d.ts`);
    const fields = [];
    for (const line of text.slice(start).split('\n').slice(1)) {
        if (/^ {4}\}/.test(line) || /^ {0,3}\S/.test(line)) break;
        const m = /^ {4}([a-z_0-9]+): /.exec(line);
        if (m && !NEWER_THAN_PINNED.has(m[1])) fields.push(m[1]);
    }
    assert.ok(fields.length > 5, `read ${name}'s fields`);
    return fields;
}

function assertShaped(object, resource, name) {
    for (const field of requiredFields(resource, name)) assert.ok(field in object, `${name}.${field} is missing`);
}

test('refunds and disputes as the official client reads them, shaped as its types say', async () => {
    const session = await client.checkout.sessions.create(checkoutParams('p-refund'));
    const done = standin.completeSession(session.id, { email: 'r@example.org', deliver: false });
    const invoice = await client.invoices.retrieve(done.invoice.id);
    assert.match(invoice.charge, /^ch_/);
    const charge = await client.charges.retrieve(invoice.charge, { expand: ['invoice'] });
    assertShaped(charge, 'Charges', 'Charge');
    assert.equal(charge.amount, 200);
    assert.equal(charge.amount_refunded, 0);
    assert.equal(charge.invoice.id, invoice.id, '2024-06-20 names the invoice, expanded on request');

    // Partial refunds add up; one more than what is left is refused.
    const first = await client.refunds.create({ charge: charge.id, amount: 50 }, { idempotencyKey: 'k-refund-1' });
    assertShaped(first, 'Refunds', 'Refund');
    assert.equal(first.status, 'succeeded');
    assert.equal(first.amount, 50);
    const replay = await client.refunds.create({ charge: charge.id, amount: 50 }, { idempotencyKey: 'k-refund-1' });
    assert.equal(replay.id, first.id, 'the same key is the same refund');
    await assert.rejects(client.refunds.create({ charge: charge.id, amount: 151 }), (e) => e.statusCode === 400 && e.code === 'amount_too_large');
    await client.refunds.create({ charge: charge.id, amount: 150 });
    const after = await client.charges.retrieve(charge.id);
    assert.equal(after.amount_refunded, 200);
    assert.equal(after.refunded, true);
    await assert.rejects(client.refunds.create({ charge: charge.id }), (e) => e.code === 'charge_already_refunded');
    const list = await client.refunds.list({ charge: charge.id, limit: 100 });
    assert.deepEqual(list.data.map((r) => r.amount).sort((a, b) => a - b), [50, 150]);
    const events = [...standin.state.events.values()].filter((e) => e.type === 'charge.refunded' && e.data.object.id === charge.id);
    assert.equal(events.length, 2, 'one charge.refunded per refund, with the charge');
    assert.equal(events[1].data.object.amount_refunded, 200);

    // A dispute on another payment: needs_response, then lost; another won.
    const other = standin.completeSession((await client.checkout.sessions.create(checkoutParams('p-dispute'))).id, { email: 'd@example.org', deliver: false });
    const chargeId = (await client.invoices.retrieve(other.invoice.id)).charge;
    const opened = standin.openDispute(chargeId, { deliver: false });
    const dispute = await client.disputes.retrieve(opened.dispute.id);
    assertShaped(dispute, 'Disputes', 'Dispute');
    assert.equal(dispute.status, 'needs_response');
    assert.equal(dispute.amount, 200);
    assert.equal((await client.charges.retrieve(chargeId)).disputed, true);
    await assert.rejects(client.refunds.create({ charge: chargeId }), (e) => e.code === 'charge_disputed');
    assert.deepEqual(opened.events.map((e) => e.type), ['charge.dispute.created', 'charge.dispute.funds_withdrawn']);
    const closed = standin.closeDispute(opened.dispute.id, { won: false, deliver: false });
    assert.deepEqual(closed.events.map((e) => e.type), ['charge.dispute.closed']);
    assert.equal((await client.disputes.list({ charge: chargeId })).data[0].status, 'lost');
    const third = standin.completeSession((await client.checkout.sessions.create(checkoutParams('p-won'))).id, { email: 'w@example.org', deliver: false });
    const wonCharge = (await client.invoices.retrieve(third.invoice.id)).charge;
    const won = standin.closeDispute(standin.openDispute(wonCharge, { deliver: false }).dispute.id, { won: true, deliver: false });
    assert.deepEqual(won.events.map((e) => e.type), ['charge.dispute.closed', 'charge.dispute.funds_reinstated']);
    assert.equal((await client.disputes.retrieve(won.dispute.id)).status, 'won');
    assert.equal(won.dispute.balance_transactions.reduce((sum, t) => sum + t.amount, 0), 0, 'withdrawn and reinstated');
});
