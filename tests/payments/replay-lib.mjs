// The webhook replay's parts, shared by tests/payments/replay.test.mjs (one
// node on SQLite) and tests/cluster/cluster.test.mjs (three nodes on
// PostgreSQL): pledges made through the real flow, months of activity at the
// stand-in Stripe, refunds and disputes of its charges, the stream of
// deliveries (duplicates, shuffled), and the comparison of patron's ledger,
// and of what came back of each payment, with the stand-in's own record.

import assert from 'node:assert/strict';
import { http, stateAmount } from './lib.mjs';

export const ONE_OFF_EVERY = 10;        // every 10th pledge is a one-off gift
export const VIA_THANKS_EVERY = 5;      // every 5th donor comes back to the thank-you page first
export const RETURNS_BUDGET = 240;      // events for refunds and disputes, within the stream

export function mulberry32(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6D2B79F5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Runs fn over items, `width` at a time. */
export async function pool(items, width, fn) {
    const out = new Array(items.length);
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
        while (next < items.length) {
            const i = next++;
            out[i] = await fn(items[i], i);
        }
    }));
    return out;
}

export function shuffle(list, random) {
    for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [list[i], list[j]] = [list[j], list[i]];
    }
    return list;
}

/** patron's mapping of a Stripe subscription to a pledge state. */
export function expectedStatus(sub) {
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') return 'cancelled';
    if (sub.status === 'past_due' || sub.status === 'unpaid') return 'past_due';
    if (sub.pause_collection || sub.status === 'paused') return 'paused';
    if (sub.status === 'active' || sub.status === 'trialing') return 'active';
    return 'pending';
}

/**
 * `count` pledges through POST /support and the stand-in's checkout, the
 * donors' thank-you visits, and the events of their checkouts (without
 * payment_intent.succeeded, which patron does not record). baseFor(i) is the
 * patron base URL the i-th donor uses (several nodes: spread them).
 * Returns {made, unique}.
 */
export async function makePledges({ standin, baseFor, count, random }) {
    const plans = Array.from({ length: count }, (_, i) => ({
        index: i,
        frequency: i % ONE_OFF_EVERY === ONE_OFF_EVERY - 1 ? 'one_off' : (i % 7 === 3 ? 'annual' : 'monthly'),
        amount: String(2 + Math.floor(random() * 49)),
    }));
    const made = await pool(plans, 8, async (plan) => {
        const base = baseFor(plan.index);
        const form = { frequency: plan.frequency, amount: 'other', other_amount: plan.amount, currency: 'USD', lang: 'en' };
        const r = await http(base, 'POST', '/support', { form: await stateAmount({ base }, form) });
        assert.equal(r.status, 303, `POST /support #${plan.index}: ${r.status} ${r.body.slice(0, 200)}`);
        const sessionId = decodeURIComponent(r.location.slice(`${standin.url}/pay/`.length));
        const pledgeId = standin.session(sessionId).metadata.pledge_id;
        return { ...plan, sessionId, pledgeId };
    });
    const unique = [];  // events, in the order they happened at the stand-in
    for (const p of made) {
        const done = standin.completeSession(p.sessionId, { email: `donor${p.index}@example.org`, deliver: false });
        p.subscription = done.subscription?.id ?? null;
        p.paymentIntent = done.paymentIntent?.id ?? null;
        for (const e of done.events) if (e.type !== 'payment_intent.succeeded') unique.push(e);
    }
    // Some donors see the thank-you page before any webhook arrives.
    await pool(made.filter((p) => p.index % VIA_THANKS_EVERY === 0), 8, async (p) => {
        const r = await http(baseFor(p.index + 1), 'GET', `/thanks?pledge=${p.pledgeId}&session=${p.sessionId}`);
        assert.equal(r.status, 200);
    });
    return { made, unique };
}

/**
 * Months of activity at the stand-in (invoices, failed charges and their
 * retries, amount changes, pauses, cancellations) until `unique` holds
 * `target` events.
 */
export function makeActivity({ standin, made, unique, target, random }) {
    const subs = made.filter((p) => p.subscription);
    const openInvoices = new Map(); // subscription → open invoice id
    for (let month = 1; month <= 24 && unique.length < target; month++) {
        for (const p of subs) {
            if (unique.length >= target) break;
            const sub = standin.subscription(p.subscription);
            if (sub.status === 'canceled') continue;
            const roll = random();
            const push = (r) => { for (const e of r.events) unique.push(e); };
            if (openInvoices.has(sub.id) && roll < 0.5) {
                const fail = random() < 0.4;
                push(standin.retryInvoice(openInvoices.get(sub.id), { fail, deliver: false }));
                if (!fail) openInvoices.delete(sub.id);
            } else if (roll < 0.04) {
                push(standin.cancelSubscription(sub.id, { deliver: false }));
            } else if (roll < 0.10) {
                push(standin.changeSubscription(sub.id, { quantity: 100 * (2 + Math.floor(random() * 60)), deliver: false }));
            } else if (roll < 0.13) {
                push(standin.changeSubscription(sub.id, { paused: !sub.pause_collection, deliver: false }));
            } else if (sub.pause_collection) {
                continue; // nothing is charged while paused
            } else if (roll < 0.23 && !openInvoices.has(sub.id)) {
                const r = standin.failInvoice(sub.id, { deliver: false });
                openInvoices.set(sub.id, r.invoice.id);
                push(r);
            } else if (!openInvoices.has(sub.id)) {
                push(standin.chargeInvoice(sub.id, { deliver: false }));
            }
        }
    }
    assert.ok(unique.length >= target, `only ${unique.length} events were generated`);
}

/**
 * Refunds (partial, some twice: a part, then the rest) and disputes (won,
 * lost and still open) of the stand-in's charges so far, made in Stripe's
 * dashboard, their events added to `unique` until at most `budget` more.
 * Returns {charges, refundedCharges, disputedCharges}: charges is every
 * charge there was, for compareReturns.
 */
export function makeReturns({ standin, unique, budget = RETURNS_BUDGET, random }) {
    const charges = [...standin.state.charges.values()];
    const limit = unique.length + budget;
    let refundedCharges = 0;
    let disputedCharges = 0;
    const push = (r) => { for (const e of r.events) unique.push(e); };
    for (const charge of charges) {
        if (unique.length + 4 > limit) break;
        const roll = random();
        if (roll < 0.04) {
            const part = 1 + Math.floor(random() * (charge.amount - 1));
            push(standin.refundCharge(charge.id, { amount: part, deliver: false }));
            if (random() < 0.5) push(standin.refundCharge(charge.id, { deliver: false })); // the rest
            refundedCharges++;
        } else if (roll < 0.07) {
            const opened = standin.openDispute(charge.id, { deliver: false });
            push(opened);
            const end = random();
            if (end < 0.4) push(standin.closeDispute(opened.dispute.id, { won: true, deliver: false }));
            else if (end < 0.8) push(standin.closeDispute(opened.dispute.id, { won: false, deliver: false }));
            disputedCharges++;
        }
    }
    assert.ok(refundedCharges > 5 && disputedCharges > 5, `only ${refundedCharges} refunded and ${disputedCharges} disputed charges`);
    return { charges, refundedCharges, disputedCharges };
}

/**
 * What came back of each payment (payment_reversals) against Stripe's own
 * record: its succeeded refunds, and a dispute's amount unless the newsroom
 * won it (a won dispute is two rows: the withdrawal and its return).
 * rows: {reversals: [{payment_id, amount, n}] (the sum and count of a
 * payment's rows), openDisputes: the count of open payment_disputes}.
 * Returns {lostReturns, doubledReturns, wrong, expectedReturned,
 * ledgerReturned}: lostReturns are payments with less back in the ledger
 * than at Stripe, doubledReturns those with more (counted twice), wrong a
 * count of open disputes that differs.
 */
export function compareReturns({ standin, charges, rows }) {
    const reversedBy = new Map(rows.reversals.map((r) => [r.payment_id, { amount: Number(r.amount), n: Number(r.n) }]));
    const refunds = [...standin.state.refunds.values()];
    const disputes = [...standin.state.disputes.values()];
    const lostReturns = [];
    const doubledReturns = [];
    const wrong = [];
    let expectedReturned = 0;
    for (const charge of charges) {
        const back = refunds.filter((r) => r.charge === charge.id && r.status === 'succeeded');
        const dispute = disputes.find((d) => d.charge === charge.id);
        const taken = dispute && !dispute.status.startsWith('warning_') && dispute.status !== 'won' ? dispute.amount : 0;
        const want = back.reduce((s, r) => s + r.amount, 0) + taken;
        const wantRows = back.length + (dispute ? (dispute.status === 'won' ? 2 : 1) : 0);
        if (want === 0 && wantRows === 0) continue;
        expectedReturned += want;
        const paymentId = charge.invoice ?? charge.payment_intent;
        const got = reversedBy.get(paymentId) ?? { amount: 0, n: 0 };
        const line = `returns of ${paymentId}: ${got.amount} in ${got.n} rows, Stripe ${want} in ${wantRows}`;
        if (got.amount < want || got.n < wantRows) lostReturns.push(line);
        if (got.amount > want || got.n > wantRows) doubledReturns.push(line);
    }
    const stillOpen = disputes.filter((d) => d.status === 'needs_response').length;
    if (Number(rows.openDisputes) !== stillOpen) wrong.push(`${rows.openDisputes} open disputes in the ledger, ${stillOpen} at Stripe`);
    const ledgerReturned = [...reversedBy.values()].reduce((s, r) => s + r.amount, 0);
    return { lostReturns, doubledReturns, wrong, expectedReturned, ledgerReturned };
}

/**
 * patron's ledger against the stand-in's record. rows: {pledges: [{id,
 * status, amount_minor, subscription_id, sealed}], payments: [{id,
 * pledge_id, amount_minor}], failures: [{invoice_id, attempt}], recorded:
 * [{id}]} as read from the store (SQLite or PostgreSQL).
 * Returns {lostEvents, wrong, doubled, expectedPayments, expectedSum,
 * ledgerSum, paymentCount, applied}: lostEvents are events with no effect,
 * wrong the pledges whose state or payments differ from Stripe's, doubled
 * the pledges with more payments in the ledger than Stripe charged.
 */
export function compareLedger({ standin, made, unique, rows }) {
    const pledges = new Map(rows.pledges.map((r) => [r.id, r]));
    const payments = new Map(rows.payments.map((r) => [r.id, r]));
    const failures = new Set(rows.failures.map((r) => `${r.invoice_id}#${r.attempt}`));
    const recorded = new Set(rows.recorded.map((r) => r.id));

    const lostEvents = [];
    for (const e of unique) {
        const o = e.data.object;
        let effect = recorded.has(e.id);
        if (e.type === 'invoice.paid') effect = effect && payments.get(o.id)?.amount_minor === o.amount_paid;
        if (e.type === 'invoice.payment_failed') effect = effect && failures.has(`${o.id}#${o.attempt_count}`);
        if (e.type === 'checkout.session.completed') {
            const row = pledges.get(o.metadata.pledge_id);
            // The address was recorded: it is there, or it was erased since,
            // by the newsroom's policy (a one-off gift after its receipt, a
            // cancelled pledge after its email: erasure by default).
            const addressed = row && (row.sealed > 0 || row.erased === true || row.erased === 1 || row.erased === 't');
            effect = effect && addressed && (o.subscription ? row.subscription_id === o.subscription : payments.has(o.payment_intent));
        }
        if (!effect) lostEvents.push(`${e.type} ${e.id} (${o.id})`);
    }
    const byPledge = new Map();
    for (const x of payments.values()) byPledge.set(x.pledge_id, (byPledge.get(x.pledge_id) ?? 0) + 1);
    const wrong = [];
    let doubled = 0;
    let expectedPayments = 0;
    let expectedSum = 0;
    for (const p of made) {
        const row = pledges.get(p.pledgeId);
        let want;
        let paid;
        if (p.subscription) {
            const sub = standin.subscription(p.subscription);
            want = { status: expectedStatus(sub), amount_minor: sub.items.data[0].quantity * sub.items.data[0].price.unit_amount };
            paid = [...standin.state.invoices.values()].filter((i) => i.subscription === sub.id && i.status === 'paid');
        } else {
            want = { status: 'completed', amount_minor: Number(p.amount) * 100 };
            paid = [{ id: p.paymentIntent, amount_paid: Number(p.amount) * 100 }];
        }
        expectedPayments += paid.length;
        expectedSum += paid.reduce((s, i) => s + i.amount_paid, 0);
        const got = { status: row?.status, amount_minor: row?.amount_minor };
        const have = byPledge.get(p.pledgeId) ?? 0;
        if (have > paid.length) doubled++;
        if (got.status !== want.status || got.amount_minor !== want.amount_minor || have !== paid.length) {
            wrong.push(`${p.pledgeId}: ledger ${JSON.stringify(got)} with ${have} payments, Stripe ${JSON.stringify(want)} with ${paid.length}`);
        }
    }
    const ledgerSum = [...payments.values()].reduce((s, x) => s + x.amount_minor, 0);
    const applied = unique.filter((e) => recorded.has(e.id)).length;
    return { lostEvents, wrong, doubled, expectedPayments, expectedSum, ledgerSum, paymentCount: payments.size, applied };
}
