// Bad input around Mollie: webhooks with unknown, malformed or foreign ids, a
// body of a megabyte, and Mollie answering 500 or hanging. Each gets a clear
// answer, nothing stored changes that should not, and no worker is held:
// the reader's support page answers within its time limit.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, http, sqlite, stopClean, withLog } from './lib.mjs';
import { MOLLIE_KEY, checkoutAndReturn, pledge, startMollie, startMolliePatron, supportMollie } from './mollie-lib.mjs';

let mollie;
let patron;
const READER_TIMEOUT_S = 3;

before(async () => {
    mollie = await startMollie({ retryDelaysMs: [50, 100, 200] });
    patron = await startMolliePatron({ mollie, label: 'mollie-bad', config: { mollie_reader_timeout: String(READER_TIMEOUT_S), mollie_timeout: '3', reader_workers: '2' } });
});

after(async () => {
    mollie?.clearFaults();
    await stopClean(patron);
    await mollie?.close();
});

const log = (fn) => withLog(() => patron, fn);
const hook = (body, headers = { 'Content-Type': 'application/x-www-form-urlencoded' }) =>
    http(patron.base, 'POST', '/v1/webhooks/mollie', { body, headers });
const state = () => ({
    pledges: sqlite(patron.db, 'SELECT id, status, amount_minor, subscription_id FROM pledges ORDER BY id'),
    events: sqlite(patron.db, 'SELECT count(*) AS n FROM processor_events')[0].n,
    payments: sqlite(patron.db, 'SELECT count(*) AS n FROM payments')[0].n,
    history: sqlite(patron.db, 'SELECT count(*) AS n FROM pledge_history')[0].n,
});

test('a webhook for an id Mollie does not know is acknowledged and changes nothing', log(async () => {
    const before = state();
    const r = await hook('id=tr_NotAtMollie1');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { received: true, duplicate: false, ignored: true });
    assert.ok(mollie.requests.some((q) => q.method === 'GET' && q.path === '/v2/payments/tr_NotAtMollie1'), 'patron asked Mollie');
    assert.deepEqual(state(), before);
}));

test('malformed webhooks are refused with 400 and a reason, and Mollie is not asked', log(async () => {
    const asked = mollie.requests.length;
    const before = state();
    for (const body of ['', 'id=', 'id=cst_8wmqcHMN4U', 'id=tr_../../v2/customers', 'id=tr_x&id=tr_y', 'foo=tr_abc', '{"id":"tr_abc"}', 'id=tr_%2e%2e', 'id=' + 'tr_' + 'a'.repeat(100)]) {
        const r = await hook(body);
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.status} ${r.body}`);
        assert.match(r.body, /Mollie|id|body/, body);
    }
    assert.equal(mollie.requests.length, asked);
    assert.deepEqual(state(), before);
}));

test('a body of a megabyte is refused before it is read', log(async () => {
    const r = await hook('id=tr_' + 'a'.repeat(1024 * 1024));
    assert.equal(r.status, 413);
    const ok = await http(patron.base, 'GET', '/healthz');
    assert.equal(ok.status, 200);
}));

test("a payment of another newsroom's Mollie account is not ours: acknowledged, nothing changes", log(async () => {
    const other = 'test_anotherNewsroomsMollieKey0123456789';
    const made = await http(mollie.url, 'POST', '/v2/payments', {
        body: JSON.stringify({ amount: { currency: 'EUR', value: '50.00' }, description: 'elsewhere', redirectUrl: 'http://127.0.0.1:9/x', metadata: { pledge_id: '0123456789abcdef0123456789abcdef' } }),
        headers: { Authorization: `Bearer ${other}`, 'Content-Type': 'application/json' },
    });
    assert.equal(made.status, 201, made.body);
    const id = JSON.parse(made.body).id;
    mollie.completePayment(id, { status: 'paid', deliver: false });
    const before = state();
    const r = await hook(`id=${id}`);
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).ignored, true);
    assert.deepEqual(state(), before);
}));

test('Mollie answering 500 makes the webhook 503 (Mollie calls again), and the next call applies it once', log(async () => {
    const s = await supportMollie(patron, mollie, { amount: '4', frequency: 'one_off', email: 'retry@example.org' });
    assert.equal(s.status, 303, s.body.slice(0, 300));
    mollie.injectFault({ method: 'GET', path: `/v2/payments/${s.paymentId}`, status: 500, count: 2 });
    const done = mollie.completePayment(s.paymentId, { status: 'paid' });
    const calls = await done.delivered;
    assert.ok(calls.length >= 1);
    await mollie.idle();
    const attempts = mollie.deliveries.filter((d) => d.id === s.paymentId);
    assert.deepEqual(attempts.slice(0, 2).map((d) => d.status), [503, 503], 'refused while Mollie failed');
    assert.equal(attempts.at(-1).status, 200);
    await eventually(() => pledge(patron, s.pledgeId)?.status === 'completed', { message: 'the gift applied' });
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM payments WHERE pledge_id = '${s.pledgeId}'`)[0].n, 1);
}));

test('Mollie hanging: the support page answers within its time limit with a clear message, and no worker is kept', log(async () => {
    mollie.injectFault({ method: 'POST', path: '/v2/customers', status: 500, holdMs: 30_000, count: 6 });
    const started = Date.now();
    // More readers than reader workers (2), all at once.
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => supportMollie(patron, mollie, { amount: '5', email: `hang${i}@example.org` })));
    const elapsed = Date.now() - started;
    for (const a of answers) {
        assert.equal(a.status, 503, a.body.slice(0, 300));
        assert.match(a.body, /could not reach|payment service|try again/i);
    }
    // Two waves of two workers, each cut off at the reader's limit.
    assert.ok(elapsed < (2 * READER_TIMEOUT_S + 4) * 1000, `answered after ${elapsed} ms`);
    mollie.clearFaults();
    const ok = await supportMollie(patron, mollie, { amount: '5', email: 'after@example.org' });
    assert.equal(ok.status, 303, 'the workers are free again');
    // The thank-you page, with Mollie hanging on the payment's read, answers
    // from the ledger within the limit.
    mollie.injectFault({ method: 'GET', path: `/v2/payments/${ok.paymentId}`, status: null, holdMs: 30_000, count: 1 });
    const t0 = Date.now();
    const thanks = await http(patron.base, 'GET', `/thanks?pledge=${ok.pledgeId}`);
    assert.equal(thanks.status, 200);
    assert.match(thanks.body, /data-status="pending"/);
    assert.ok(Date.now() - t0 < (READER_TIMEOUT_S + 3) * 1000, `thank-you page after ${Date.now() - t0} ms`);
    mollie.clearFaults();
}));

test('a checkout page reached again after Mollie recovered completes the pledge', log(async () => {
    const s = await supportMollie(patron, mollie, { amount: '6', email: 'late@example.org' });
    await checkoutAndReturn(patron, mollie, s.paymentId);
    await mollie.idle();
    await eventually(() => pledge(patron, s.pledgeId)?.status === 'active', { message: 'active' });
}));
