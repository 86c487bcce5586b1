// The replay: 500 pledges made through the real flow, then 5,000 webhook
// deliveries for them (months of invoices, failed charges and their
// retries, amount changes, pauses and cancellations, partial refunds and
// disputes won, lost and still open, made at the stand-in before their
// events), 20% duplicates, shuffled, over 8 connections at
// once, while patron is killed with SIGKILL and restarted twice. Deliveries
// retry until patron answers 2xx, as Stripe's do. At the end the ledger must
// equal what the stand-in's truth says, and one line is printed:
//   events N, duplicates D, applied A, lost 0, doubled 0
// (lost: an event, a payment or money that came back missing from the
// books; doubled: money that came back counted more than once)
//
// PAYMENTS_REPLAY_SEED picks the random order (printed on failure).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { http, sleep, stateAmount, sqlite, startPatron, startStandin, tail, stopClean } from './lib.mjs';

const PLEDGES = 500;
const ONE_OFF_EVERY = 10;        // every 10th pledge is a one-off gift
const VIA_THANKS_EVERY = 5;      // every 5th donor comes back to the thank-you page first
const DELIVERIES = 5000;
const DUPLICATE_SHARE = 0.2;
const CONNECTIONS = 8;
const RETURNS_BUDGET = 240;      // events for refunds and disputes, within the stream
const SEED = Number(process.env.PAYMENTS_REPLAY_SEED ?? Date.now() % 1_000_000);

function mulberry32(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6D2B79F5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const random = mulberry32(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];

let standin;
let patron;

before(async () => {
    standin = await startStandin({
        secret: 'whsec_patronStandinSecret0123456789',
        autoDeliver: false,
        delivery: { maxAttempts: 400, baseDelayMs: 25, maxDelayMs: 400, timeoutMs: 20_000, deadlineMs: 150_000, connections: CONNECTIONS },
    });
    patron = await startPatron({ stripe: standin, label: 'replay', config: { pledge_attempts_per_hour: '100000', threads: '4' } });
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
});

/** Runs fn over items, `width` at a time. */
async function pool(items, width, fn) {
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

/** patron's mapping of a Stripe subscription to a pledge state. */
function expectedStatus(sub) {
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') return 'cancelled';
    if (sub.status === 'past_due' || sub.status === 'unpaid') return 'past_due';
    if (sub.pause_collection || sub.status === 'paused') return 'paused';
    if (sub.status === 'active' || sub.status === 'trialing') return 'active';
    return 'pending';
}

test('5,000 shuffled, duplicated deliveries across two SIGKILLs leave the ledger equal to Stripe', { timeout: 300_000 }, async () => {
    const started = Date.now();
    try {
        /* ------------------------------------------------ 500 pledges */
        const plans = Array.from({ length: PLEDGES }, (_, i) => ({
            index: i,
            frequency: i % ONE_OFF_EVERY === ONE_OFF_EVERY - 1 ? 'one_off' : (i % 7 === 3 ? 'annual' : 'monthly'),
            amount: String(2 + Math.floor(random() * 49)),
        }));
        const made = await pool(plans, 8, async (plan) => {
            const form = { frequency: plan.frequency, amount: 'other', other_amount: plan.amount, currency: 'USD', lang: 'en' };
            const r = await http(patron.base, 'POST', '/support', { form: await stateAmount(patron, form) });
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
            // payment_intent.succeeded is not a patron event: left out, so
            // that every delivery is one patron records.
            for (const e of done.events) if (e.type !== 'payment_intent.succeeded') unique.push(e);
        }
        // Some donors see the thank-you page before any webhook arrives.
        await pool(made.filter((p) => p.index % VIA_THANKS_EVERY === 0), 8, async (p) => {
            const r = await http(patron.base, 'GET', `/thanks?pledge=${p.pledgeId}&session=${p.sessionId}`);
            assert.equal(r.status, 200);
        });
        const setupMs = Date.now() - started;

        /* ----------------------------- months of activity at the stand-in */
        const target = Math.round(DELIVERIES * (1 - DUPLICATE_SHARE)) - RETURNS_BUDGET;
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

        /* --------------- refunds (partial, some twice) and disputes, at Stripe */
        const charges = [...standin.state.charges.values()];
        const budget = unique.length + RETURNS_BUDGET;
        let refundedCharges = 0;
        let disputedCharges = 0;
        for (const charge of charges) {
            if (unique.length + 4 > budget) break;
            const roll = random();
            const push = (r) => { for (const e of r.events) unique.push(e); };
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

        /* ------------------------------------- the stream: dupes, shuffled */
        const stream = [...unique];
        const duplicates = DELIVERIES - unique.length;
        for (let i = 0; i < duplicates; i++) stream.push(pick(unique));
        for (let i = stream.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [stream[i], stream[j]] = [stream[j], stream[i]];
        }

        /* -------------------- deliver over 8 connections, kill twice midway */
        let finished = 0;
        let kills = 0;
        const deliveryStart = Date.now();
        const deliveryPromise = pool(stream, CONNECTIONS, async (event) => {
            const r = await standin.deliverOne(event);
            finished++;
            return r;
        });
        let restartTries = 0;
        const killer = (async () => {
            for (const share of [1 / 3, 2 / 3]) {
                const deadline = Date.now() + 150_000;
                for (let i = 0; i < 100_000 && finished < stream.length * share && Date.now() < deadline; i++) await sleep(20);
                if (finished >= stream.length) return;
                await patron.kill('SIGKILL');
                kills++;
                await sleep(300);
                for (let attempt = 1; attempt <= 20; attempt++) {
                    restartTries++;
                    try {
                        await patron.start();
                        break;
                    } catch (e) {
                        if (attempt === 20) throw e;
                        await sleep(1000);
                    }
                }
            }
        })();
        const [results] = await Promise.all([deliveryPromise, killer]);
        const deliveryMs = Date.now() - deliveryStart;
        assert.equal(kills, 2, 'patron was not killed twice during the stream');
        const notAccepted = results.filter((r) => !(r.status >= 200 && r.status < 300));
        assert.equal(notAccepted.length, 0, `deliveries never accepted: ${JSON.stringify(notAccepted.slice(0, 5))}`);
        const attempts = results.reduce((n, r) => n + r.attempts, 0);

        /* ------------------------------------ the ledger against the truth */
        const pledges = new Map(sqlite(patron.db, 'SELECT id, status, amount_minor, subscription_id, length(email_sealed) AS sealed FROM pledges').map((r) => [r.id, r]));
        const payments = new Map(sqlite(patron.db, 'SELECT id, pledge_id, amount_minor FROM payments').map((r) => [r.id, r]));
        const failures = new Set(sqlite(patron.db, 'SELECT invoice_id, attempt FROM payment_failures').map((r) => `${r.invoice_id}#${r.attempt}`));
        const recorded = new Set(sqlite(patron.db, 'SELECT id FROM processor_events').map((r) => r.id));

        const lostEvents = [];
        for (const e of unique) {
            const o = e.data.object;
            let effect = recorded.has(e.id);
            if (e.type === 'invoice.paid') effect = effect && payments.get(o.id)?.amount_minor === o.amount_paid;
            if (e.type === 'invoice.payment_failed') effect = effect && failures.has(`${o.id}#${o.attempt_count}`);
            if (e.type === 'checkout.session.completed') {
                const row = pledges.get(o.metadata.pledge_id);
                effect = effect && row && row.sealed > 0 && (o.subscription ? row.subscription_id === o.subscription : payments.has(o.payment_intent));
            }
            if (!effect) lostEvents.push(`${e.type} ${e.id} (${o.id})`);
        }
        const wrong = [];
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
            const have = [...payments.values()].filter((x) => x.pledge_id === p.pledgeId);
            if (got.status !== want.status || got.amount_minor !== want.amount_minor || have.length !== paid.length) {
                wrong.push(`${p.pledgeId}: ledger ${JSON.stringify(got)} with ${have.length} payments, Stripe ${JSON.stringify(want)} with ${paid.length}`);
            }
        }
        // What came back of each payment, against Stripe's own record: its
        // succeeded refunds, and a dispute's amount unless the newsroom won.
        const reversals = sqlite(patron.db, 'SELECT payment_id, SUM(amount_minor) AS amount, count(*) AS n FROM payment_reversals GROUP BY payment_id');
        const reversedBy = new Map(reversals.map((r) => [r.payment_id, r]));
        const doubledReturns = [];
        let expectedReturned = 0;
        for (const charge of charges) {
            const refunds = [...standin.state.refunds.values()].filter((r) => r.charge === charge.id && r.status === 'succeeded');
            const dispute = [...standin.state.disputes.values()].find((d) => d.charge === charge.id);
            const taken = dispute && !dispute.status.startsWith('warning_') && dispute.status !== 'won' ? dispute.amount : 0;
            const want = refunds.reduce((s, r) => s + r.amount, 0) + taken;
            const wantRows = refunds.length + (dispute ? (dispute.status === 'won' ? 2 : 1) : 0);
            if (want === 0 && wantRows === 0) continue;
            expectedReturned += want;
            const paymentId = charge.invoice ?? charge.payment_intent;
            const got = reversedBy.get(paymentId) ?? { amount: 0, n: 0 };
            if (got.amount < want || got.n < wantRows) lostEvents.push(`returns of ${paymentId}: ${got.amount} in ${got.n} rows, Stripe ${want} in ${wantRows}`);
            if (got.amount > want || got.n > wantRows) doubledReturns.push(`returns of ${paymentId}: ${got.amount} in ${got.n} rows, Stripe ${want} in ${wantRows}`);
        }
        const openDisputes = sqlite(patron.db, 'SELECT count(*) AS n FROM payment_disputes WHERE open = 1')[0].n;
        const stillOpen = [...standin.state.disputes.values()].filter((d) => d.status === 'needs_response').length;
        if (openDisputes !== stillOpen) wrong.push(`${openDisputes} open disputes in the ledger, ${stillOpen} at Stripe`);
        const ledgerReturned = reversals.reduce((s, r) => s + r.amount, 0);
        const ledgerSum = [...payments.values()].reduce((s, x) => s + x.amount_minor, 0);
        const applied = unique.filter((e) => recorded.has(e.id)).length;
        const lost = lostEvents.length + wrong.length;
        const doubled = doubledReturns.length;
        console.log(`events ${stream.length}, duplicates ${duplicates}, applied ${applied}, lost ${lost}, doubled ${doubled}`);
        if (process.env.PAYMENTS_REPLAY_VERBOSE) console.error(`replay seed ${SEED}: setup ${setupMs} ms, delivery ${deliveryMs} ms, ${attempts} attempts for ${stream.length} deliveries, ` +
            `${restartTries} start(s) for 2 kills, ${payments.size} payments totalling ${ledgerSum}, ${refundedCharges} refunded and ${disputedCharges} disputed charges, ${ledgerReturned} came back`);

        assert.deepEqual(lostEvents.slice(0, 20), [], `${lostEvents.length} events have no effect in the ledger (seed ${SEED})`);
        assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} pledges differ from Stripe (seed ${SEED})`);
        assert.equal(payments.size, expectedPayments, 'number of payments');
        assert.equal(ledgerSum, expectedSum, 'sum of payments');
        assert.deepEqual(doubledReturns.slice(0, 20), [], `${doubled} payments had money that came back counted twice (seed ${SEED})`);
        assert.equal(ledgerReturned, expectedReturned, 'sum of what came back');
        assert.equal(lost, 0);
        assert.equal(doubled, 0);
        assert.equal(applied, unique.length);
    } catch (e) {
        try { e.message = `${e.message}\n(seed ${SEED})\n--- patron stderr (tail) ---\n${tail(patron.stderr(), 4000)}`; } catch { /* read-only */ }
        throw e;
    }
});
