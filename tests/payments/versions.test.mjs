// Webhook events are rendered in the endpoint's API version, which need not
// be the version patron pins for its own calls: an account on 2025-03-31
// ("basil") sends invoices with parent.subscription_details in place of
// `subscription`. patron must apply them the same.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pledgeRow, sqlite, startPatron, startStandin, support, withLog, stopClean } from './lib.mjs';

let standin;
let patron;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789', apiVersion: '2025-03-31.basil', autoDeliver: false });
    patron = await startPatron({ stripe: standin, label: 'versions' });
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
});

test('invoice events in the 2025-03-31 shape are applied: payments and failures recorded', withLog(() => patron, async () => {
    const s = await support(patron, standin, { amount: '2' });
    assert.equal(s.status, 303, s.body);
    const done = standin.completeSession(s.sessionId, { email: 'basil@example.org', deliver: false });
    const invoice = done.events.find((e) => e.type === 'invoice.paid').data.object;
    assert.equal(invoice.subscription, undefined, 'the stand-in rendered the old shape');
    assert.equal(invoice.parent.subscription_details.subscription, done.subscription.id);
    for (const r of await standin.deliver(done.events, { maxAttempts: 3 })) assert.equal(r.status, 200, `${r.type}: ${r.body}`);
    const failed = standin.failInvoice(done.subscription.id, { deliver: false });
    for (const r of await standin.deliver(failed.events, { maxAttempts: 3 })) assert.equal(r.status, 200, `${r.type}: ${r.body}`);
    const row = pledgeRow(patron, s.pledgeId);
    assert.deepEqual([row.status, row.amount_minor, row.subscription_id], ['past_due', 200, done.subscription.id]);
    assert.deepEqual(sqlite(patron.db, `SELECT id, amount_minor FROM payments WHERE pledge_id = '${s.pledgeId}'`), [{ id: done.invoice.id, amount_minor: 200 }]);
    assert.deepEqual(sqlite(patron.db, `SELECT invoice_id, attempt FROM payment_failures WHERE pledge_id = '${s.pledgeId}'`), [{ invoice_id: failed.invoice.id, attempt: 1 }]);
}));
