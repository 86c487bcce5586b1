// Paying back a Mollie payment from the dashboard: POST
// /v2/payments/{id}/refunds with the amount as Mollie writes it and an
// Idempotency-Key, recorded once by the refund's id; partial refunds add up
// and never pass what is left. Mollie's classic webhook does not tell of
// refunds, so patron records the answer itself.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addUser, signedIn } from '../http/dashboard-lib.mjs';
import { eventually, sqlite, stopClean, withLog } from './lib.mjs';
import { checkoutAndReturn, pledge, startMollie, startMolliePatron, supportMollie } from './mollie-lib.mjs';

let mollie;
let patron;
const ADMIN = 'books@newsroom.example';

before(async () => {
    mollie = await startMollie({ retryDelaysMs: [50, 100, 200, 400, 800] });
    patron = await startMolliePatron({ mollie });
    addUser(patron, ADMIN, 'admin');
});

after(async () => {
    await stopClean(patron);
    await mollie?.close();
});

test('an admin pays a Mollie gift back in two parts, never more than it was', { timeout: 60_000 }, withLog(() => patron, async () => {
    const s = await supportMollie(patron, mollie, { amount: '12', frequency: 'one_off', method: 'creditcard', email: 'gift@example.org' });
    assert.equal(s.status, 303, s.body.slice(0, 300));
    await checkoutAndReturn(patron, mollie, s.paymentId, { method: 'creditcard' });
    await mollie.idle();
    await eventually(() => pledge(patron, s.pledgeId)?.status === 'completed', { message: 'the gift to be completed' });
    const c = await signedIn(patron, ADMIN, undefined, '/dashboard/donors');
    const path = `/dashboard/donors/pledge/${s.pledgeId}`;
    const page = await c.get(path);
    assert.match(page.body, new RegExp(`<form method="post" action="${path}/refund"`));
    assert.match(page.body, new RegExp(`<option value="${s.paymentId}">`));
    const asked = () => mollie.requests.filter((r) => r.method === 'POST' && r.path === `/v2/payments/${s.paymentId}/refunds`);
    const returned = () => sqlite(patron.db, `SELECT coalesce(sum(amount_minor), 0) AS n, count(*) AS rows FROM payment_reversals WHERE pledge_id = '${s.pledgeId}' AND kind = 'refund'`)[0];

    const first = await c.post(`${path}/refund`, { payment: s.paymentId, amount: '5', confirm: 'yes' });
    assert.equal(first.status, 200, first.body.slice(0, 400));
    assert.equal(asked().length, 1);
    assert.deepEqual(asked()[0].body.amount, { currency: 'EUR', value: '5.00' });
    assert.match(asked()[0].idempotencyKey ?? '', /^patron-refund-tr_/);
    assert.deepEqual(returned(), { n: 500, rows: 1 });

    const unconfirmed = await c.post(`${path}/refund`, { payment: s.paymentId, amount: '5' });
    assert.equal(unconfirmed.status, 422, 'the box must be ticked');
    assert.equal(asked().length, 1);
    const again = await c.post(`${path}/refund`, { payment: s.paymentId, amount: '5.00', confirm: 'yes' });
    assert.equal(again.status, 200, again.body.slice(0, 400));
    assert.deepEqual(returned(), { n: 1000, rows: 2 }, 'two partial refunds add up');

    const tooMuch = await c.post(`${path}/refund`, { payment: s.paymentId, amount: '5', confirm: 'yes' });
    assert.equal(tooMuch.status, 422);
    assert.match(tooMuch.body, /Nothing was paid back/);
    assert.equal(asked().length, 2, 'Mollie is not asked for more than is left');
    assert.deepEqual(mollie.payments.get(s.paymentId).amountRemaining, { value: '2.00', currency: 'EUR' });
    assert.equal([...mollie.refunds.values()].filter((r) => r.paymentId === s.paymentId).length, 2);
    const ids = sqlite(patron.db, `SELECT id FROM payment_reversals WHERE pledge_id = '${s.pledgeId}' ORDER BY id`).map((r) => r.id).sort();
    assert.deepEqual(ids, [...mollie.refunds.keys()].sort(), 'recorded by Mollie\'s refund ids');
}));
