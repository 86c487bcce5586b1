// Webhook signatures, made by the official `stripe` package
// (stripe.webhooks.generateTestHeaderString): what Stripe signs is accepted,
// anything else is refused with 400 and leaves no trace in the ledger.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { http, sqlite, startPatron, startStandin, support, withLog, stopClean } from './lib.mjs';

const SECRET_A = 'whsec_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const SECRET_B = 'whsec_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const stripeLib = new Stripe('sk_test_unused', { maxNetworkRetries: 0 });
let standin;
let patron;
let subscription;
let pledgeId;

const eventRows = (id) => sqlite(patron.db, `SELECT id FROM processor_events WHERE id = '${id}'`);
const eventCount = () => Number(sqlite(patron.db, 'SELECT count(*) AS n FROM processor_events')[0].n);
const nowSeconds = () => Math.floor(Date.now() / 1000);

function post(payload, header) {
    const headers = { 'Content-Type': 'application/json; charset=utf-8' };
    if (header !== undefined) headers['Stripe-Signature'] = header;
    return http(patron.base, 'POST', '/v1/webhooks/stripe', { body: payload, headers });
}

/** A fresh event about the test's subscription (a new id every time). */
function freshEvent(type = 'customer.subscription.updated') {
    const event = standin.makeEvent(type, standin.subscription(subscription));
    return { event, payload: standin.payloadOf(event) };
}

before(async () => {
    standin = await startStandin({ secret: SECRET_A, autoDeliver: false });
    patron = await startPatron({ stripe: standin, secrets: `${SECRET_A},${SECRET_B}`, label: 'sig' });
    const s = await support(patron, standin, { amount: '3' });
    assert.equal(s.status, 303, s.body);
    pledgeId = s.pledgeId;
    const done = standin.completeSession(s.sessionId, { email: 'sig@example.org', deliver: false });
    subscription = done.subscription.id;
    // The checkout's own event, signed by the library with the first secret.
    const payload = standin.payloadOf(done.events[0]);
    const header = stripeLib.webhooks.generateTestHeaderString({ payload, secret: SECRET_A });
    const r = await post(payload, header);
    assert.equal(r.status, 200, r.body);
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
});

test('an event signed by the official library is accepted and applied once', withLog(() => patron, async () => {
    const rows = sqlite(patron.db, `SELECT status, amount_minor, subscription_id FROM pledges WHERE id = '${pledgeId}'`);
    assert.deepEqual(rows, [{ status: 'active', amount_minor: 300, subscription_id: subscription }]);
    const { event, payload } = freshEvent();
    const header = stripeLib.webhooks.generateTestHeaderString({ payload, secret: SECRET_A });
    const r = await post(payload, header);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { received: true, duplicate: false, ignored: false });
    assert.equal(eventRows(event.id).length, 1);
    const again = await post(payload, stripeLib.webhooks.generateTestHeaderString({ payload, secret: SECRET_A }));
    assert.equal(again.status, 200);
    assert.equal(JSON.parse(again.body).duplicate, true);
}));

test('either of two configured secrets is accepted (rotation)', withLog(() => patron, async () => {
    for (const secret of [SECRET_A, SECRET_B]) {
        const { event, payload } = freshEvent();
        const r = await post(payload, stripeLib.webhooks.generateTestHeaderString({ payload, secret }));
        assert.equal(r.status, 200, `signed with ${secret.slice(0, 7)}: ${r.body}`);
        assert.equal(eventRows(event.id).length, 1);
    }
}));

test('a header with several v1 entries is accepted when one matches', withLog(() => patron, async () => {
    const { event, payload } = freshEvent();
    const t = nowSeconds();
    const good = stripeLib.webhooks.generateTestHeaderString({ payload, secret: SECRET_B, timestamp: t }).split(',')[1];
    const wrong = stripeLib.webhooks.generateTestHeaderString({ payload, secret: 'whsec_cccccccccccccccccccc', timestamp: t }).split(',')[1];
    const header = `t=${t},v1=${'0'.repeat(64)},${wrong},v0=${'f'.repeat(64)},${good}`;
    const r = await post(payload, header);
    assert.equal(r.status, 200, r.body);
    assert.equal(eventRows(event.id).length, 1);
}));

test('refused with 400 and nothing written: tampered body, wrong secret, old or future timestamp, no header', withLog(() => patron, async () => {
    const before = eventCount();
    const pledgeBefore = sqlite(patron.db, `SELECT * FROM pledges WHERE id = '${pledgeId}'`);
    const cases = [];
    {
        // Signed, then one byte of the amount changed.
        const { event, payload } = freshEvent('invoice.paid');
        const header = stripeLib.webhooks.generateTestHeaderString({ payload, secret: SECRET_A });
        cases.push({ name: 'tampered body', id: event.id, payload: payload.replace('"status": "active"', '"status": "activf"'), header });
        const { event: e2, payload: p2 } = freshEvent();
        cases.push({ name: 'body with a space added', id: e2.id, payload: `${p2} `, header: stripeLib.webhooks.generateTestHeaderString({ payload: p2, secret: SECRET_A }) });
    }
    {
        const { event, payload } = freshEvent();
        cases.push({ name: 'wrong secret', id: event.id, payload, header: stripeLib.webhooks.generateTestHeaderString({ payload, secret: 'whsec_cccccccccccccccccccccccccccccccc' }) });
    }
    {
        const { event, payload } = freshEvent();
        cases.push({ name: 'timestamp 6 minutes old', id: event.id, payload, header: stripeLib.webhooks.generateTestHeaderString({ payload, secret: SECRET_A, timestamp: nowSeconds() - 360 }) });
    }
    {
        const { event, payload } = freshEvent();
        cases.push({ name: 'timestamp 6 minutes in the future', id: event.id, payload, header: stripeLib.webhooks.generateTestHeaderString({ payload, secret: SECRET_A, timestamp: nowSeconds() + 360 }) });
    }
    {
        const { event, payload } = freshEvent();
        cases.push({ name: 'no Stripe-Signature header', id: event.id, payload, header: undefined });
        const v0 = stripeLib.webhooks.generateTestHeaderString({ payload, secret: SECRET_A, scheme: 'v0' });
        cases.push({ name: 'only a v0 signature', id: event.id, payload, header: v0 });
        const good = stripeLib.webhooks.generateTestHeaderString({ payload, secret: SECRET_A });
        cases.push({ name: 'no timestamp', id: event.id, payload, header: good.split(',')[1] });
        cases.push({ name: 'signature of another timestamp', id: event.id, payload, header: good.replace(/^t=(\d+)/, (m, t) => `t=${Number(t) - 1}`) });
        cases.push({ name: 'truncated signature', id: event.id, payload, header: good.slice(0, -1) });
    }
    for (const c of cases) {
        const r = await post(c.payload, c.header);
        assert.equal(r.status, 400, `${c.name}: expected 400, got ${r.status}: ${r.body}`);
        assert.equal(eventRows(c.id).length, 0, `${c.name}: the event was recorded`);
    }
    assert.equal(eventCount(), before, 'processor_events changed');
    assert.deepEqual(sqlite(patron.db, `SELECT * FROM pledges WHERE id = '${pledgeId}'`), pledgeBefore);
}));

test('the stand-in signs the way the library checks', withLog(() => patron, async () => {
    const { event, payload } = freshEvent();
    const header = standin.sign(payload, { secret: SECRET_B });
    assert.equal(stripeLib.webhooks.constructEvent(payload, header, SECRET_B).id, event.id);
    const [r] = await standin.deliver(event, { secret: SECRET_B, maxAttempts: 1 });
    assert.equal(r.status, 200, r.body);
    const [old] = await standin.deliver(freshEvent().event, { timestampOffset: -360, maxAttempts: 1 });
    assert.equal(old.status, 400);
}));
