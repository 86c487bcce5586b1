// What the Donors page says erasure does, pinned to what it does: the page's
// sentence about the processor must match the requests that reach the
// stand-in Stripe. Erasure cancels a running subscription there (DELETE
// /v1/subscriptions/ID), then deletes the customer (DELETE
// /v1/customers/ID); the page and docs/DASHBOARD.md say so.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
    addUser, eventually, payAndReturn, pledgeRow, signedIn, startPatron, startStandin, stopClean, support, textOf, withLog,
} from './dashboard-lib.mjs';

let standin;
let patron;
let c;
let pledgeId;
const ADMIN = 'erasure.desk@newsroom.example';
const DONOR = 'erase.me@example.org';

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    patron = await startPatron({ stripe: standin, seedDemo: true, label: 'dash-erasure', config: { demo_pages: 'true' } });
    addUser(patron, ADMIN, 'admin');
    const s = await support(patron, standin, { amount: '6', frequency: 'monthly', campaign: 'demo-2026' });
    assert.equal(s.status, 303, `POST /support: ${s.status} ${s.body.slice(0, 300)}`);
    await payAndReturn(patron, standin, s.sessionId, { email: DONOR });
    pledgeId = s.pledgeId;
    await standin.idle();
    await eventually(() => pledgeRow(patron, pledgeId)?.status === 'active', { message: 'the pledge to become active' });
    c = await signedIn(patron, ADMIN, undefined, '/dashboard/donors');
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
});

const t = (name, fn) => test(name, { timeout: 60_000 }, withLog(() => patron, fn));

t('the Donors page says the customer record at the processor is deleted, and erasure indeed deletes it', async () => {
    const page = textOf((await c.get('/dashboard/donors')).body);
    const erase = page.slice(page.indexOf("Erase one donor's data"));
    assert.match(erase, /asks the processor \(Stripe, Mollie\) to delete the donor's customer record there/, 'the page says the customer is deleted');
    assert.match(erase, /Cancels every pledge of the address that is still running, at the processor too/);

    const customer = pledgeRow(patron, pledgeId).customer_id;
    assert.ok(customer, 'the pledge had a customer at the processor');
    const seen = standin.requests.length;
    const r = await c.post('/dashboard/donors/erase', { email: DONOR, confirm: 'yes' });
    assert.equal(r.status, 200, r.body.slice(0, 400));
    await standin.idle();
    const calls = standin.requests.slice(seen).map((q) => `${q.method} ${q.path}`);
    assert.ok(calls.some((call) => /^DELETE \/v1\/subscriptions\//.test(call)), `the running subscription is cancelled at the processor: ${calls.join(', ')}`);
    assert.deepEqual(calls.filter((call) => /\/v1\/customers/.test(call) && !call.startsWith('GET')), [`DELETE /v1/customers/${customer}`], 'the customer is deleted at the processor, once');
    assert.ok(!standin.state.customers.has(customer) && standin.state.deletedCustomers.has(customer), 'the customer is gone at the processor');
});
