// The replay for Mollie: pledges made through the real flow, then months of
// activity at the stand-in (recurring charges, failed debits, chargebacks),
// then 5,000 webhook calls as Mollie makes them (only a payment's id, no
// signature), 20% duplicates, shuffled, over 8 connections at once, while
// patron is killed with SIGKILL and restarted twice. Calls are retried until
// patron answers 2xx, as Mollie's are. Mollie's webhook says only "something
// happened to tr_X": patron reads the payment as it is now, so a call heard
// late carries the latest state. At the end the ledger must equal the
// stand-in's record, and one line is printed:
//   calls N, duplicates D, applied A, lost 0, doubled 0
//
// MOLLIE_REPLAY_SEED picks the random order (printed on failure).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { http, sleep, sqlite, stopClean, tail } from './lib.mjs';
import { startMollie, startMolliePatron, supportMollie } from './mollie-lib.mjs';

const PLEDGES = 400;
const ONE_OFF_EVERY = 5;        // every 5th pledge is a one-off gift, applied only by the stream
const CALLS = 5000;
const DUPLICATE_SHARE = 0.2;
const CONNECTIONS = 8;
const SEED = Number(process.env.MOLLIE_REPLAY_SEED ?? Date.now() % 1_000_000);

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

let mollie;
let patron;

before(async () => {
    mollie = await startMollie({ autoDeliver: false, testModeChargeLimit: null, connections: CONNECTIONS });
    patron = await startMolliePatron({ mollie, label: 'mollie-replay', config: { pledge_attempts_per_hour: '100000', threads: '4', mollie_reader_timeout: '20', mollie_timeout: '20' } });
});

after(async () => {
    await stopClean(patron);
    await mollie?.close();
});

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

const minor = (amount) => Math.round(Number(amount.value) * 100);

test('5,000 shuffled, duplicated Mollie webhook calls across two SIGKILLs leave the ledger equal to Mollie', { timeout: 400_000 }, async () => {
    try {
        /* ------------------------------------------------- the pledges */
        const plans = Array.from({ length: PLEDGES }, (_, i) => ({
            index: i,
            frequency: i % ONE_OFF_EVERY === ONE_OFF_EVERY - 1 ? 'one_off' : (i % 7 === 3 ? 'annual' : 'monthly'),
            amount: String(2 + Math.floor(random() * 49)),
        }));
        const made = await pool(plans, 8, async (plan) => {
            const s = await supportMollie(patron, mollie, { amount: plan.amount, frequency: plan.frequency, email: `donor${plan.index}@example.org` });
            assert.equal(s.status, 303, `POST /support #${plan.index}: ${s.status} ${s.body.slice(0, 200)}`);
            return { ...plan, paymentId: s.paymentId, pledgeId: s.pledgeId };
        });
        const calls = []; // one per webhook call Mollie would make, in the order they happened
        for (const p of made) {
            // A few first payments fail or lapse; the rest are paid.
            const roll = random();
            const status = roll < 0.04 ? 'failed' : roll < 0.07 ? 'expired' : 'paid';
            mollie.completePayment(p.paymentId, { status, method: p.frequency === 'one_off' ? 'ideal' : 'creditcard', deliver: false });
            p.firstStatus = status;
            calls.push(p.paymentId);
        }
        // The recurring donors come back to the thank-you page, which reads
        // the paid first payment and sets up the subscription.
        const recurring = made.filter((p) => p.frequency !== 'one_off' && p.firstStatus === 'paid');
        await pool(recurring, 8, async (p) => {
            const r = await http(patron.base, 'GET', `/thanks?pledge=${p.pledgeId}`);
            assert.equal(r.status, 200);
            assert.match(r.body, /data-status="active"/, `pledge ${p.pledgeId} after its thank-you page`);
        });
        for (const p of recurring) {
            p.subscription = [...mollie.subscriptions.values()].find((s) => s.metadata?.pledge_id === p.pledgeId)?.id;
            assert.ok(p.subscription, `no subscription for ${p.pledgeId}`);
        }

        /* ------------------------- months of activity at the stand-in */
        const target = Math.round(CALLS * (1 - DUPLICATE_SHARE));
        const paidRecurring = [];
        for (let month = 1; month <= 60 && calls.length < target; month++) {
            for (const p of recurring) {
                if (calls.length >= target) break;
                const roll = random();
                if (roll < 0.03 && paidRecurring.length > 0) {
                    // A bank reverses a direct debit paid earlier: the same
                    // payment's webhook is called again.
                    const victim = pick(paidRecurring);
                    if (!mollie.payments.get(victim).amountChargedBack) {
                        mollie.chargeback(victim, { deliver: false });
                        calls.push(victim);
                        continue;
                    }
                }
                const charged = mollie.chargeSubscription(p.subscription, { fail: roll > 0.9, deliver: false });
                calls.push(charged.payment.id);
                if (charged.payment.status === 'paid') paidRecurring.push(charged.payment.id);
            }
        }
        assert.ok(calls.length >= target, `only ${calls.length} calls were generated`);

        /* -------------------------------------- duplicates, shuffled */
        const stream = [...calls];
        const duplicates = CALLS - calls.length;
        for (let i = 0; i < duplicates; i++) stream.push(pick(calls));
        for (let i = stream.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [stream[i], stream[j]] = [stream[j], stream[i]];
        }

        /* --------------------- 8 connections, patron killed twice */
        let finished = 0;
        let kills = 0;
        const delivery = pool(stream, CONNECTIONS, async (id) => {
            const r = await mollie.deliverOne(id, { url: patron.mollieWebhook, maxAttempts: 400, retryDelaysMs: [25, 50, 100, 200, 400], timeoutMs: 20_000 });
            finished++;
            return r;
        });
        const killer = (async () => {
            for (const share of [1 / 3, 2 / 3]) {
                const deadline = Date.now() + 200_000;
                for (let i = 0; i < 100_000 && finished < stream.length * share && Date.now() < deadline; i++) await sleep(20);
                if (finished >= stream.length) return;
                await patron.kill('SIGKILL');
                kills++;
                await sleep(300);
                for (let attempt = 1; attempt <= 20; attempt++) {
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
        const [results] = await Promise.all([delivery, killer]);
        assert.equal(kills, 2, 'patron was not killed twice during the stream');
        const refused = results.filter((r) => !(r.status >= 200 && r.status < 300));
        assert.equal(refused.length, 0, `calls never accepted: ${JSON.stringify(refused.slice(0, 5))}`);

        /* ----------------------------- the ledger against Mollie's record */
        const pledges = new Map(sqlite(patron.db, 'SELECT id, status, amount_minor FROM pledges').map((r) => [r.id, r]));
        const payments = sqlite(patron.db, 'SELECT id, pledge_id, amount_minor FROM payments');
        const failures = sqlite(patron.db, 'SELECT invoice_id FROM payment_failures');
        const reversals = sqlite(patron.db, 'SELECT payment_id, amount_minor FROM payment_reversals');
        const receipts = sqlite(patron.db, "SELECT pledge_id, count(*) AS n FROM outbox WHERE kind = 'receipt' GROUP BY pledge_id");
        const failedMails = sqlite(patron.db, "SELECT count(*) AS n FROM outbox WHERE kind = 'failed'")[0].n;
        const recorded = new Set(sqlite(patron.db, 'SELECT id FROM processor_events').map((r) => r.id));

        const ours = new Set(made.map((p) => p.pledgeId));
        const truth = [...mollie.payments.values()].filter((x) => ours.has(x.metadata?.pledge_id) || recurring.some((p) => p.subscription === x.subscriptionId));
        const paid = truth.filter((x) => x.status === 'paid');
        const failed = truth.filter((x) => x.status === 'failed' && x.sequenceType === 'recurring');
        const firstFailed = truth.filter((x) => x.status === 'failed' && x.sequenceType !== 'recurring');
        const chargedBack = truth.filter((x) => x.amountChargedBack);

        const ledgerPayments = new Map();
        for (const row of payments) ledgerPayments.set(row.id, (ledgerPayments.get(row.id) ?? 0) + 1);
        const lost = [];
        const doubled = [];
        for (const x of paid) if (!ledgerPayments.has(x.id)) lost.push(`payment ${x.id}`);
        for (const row of payments) {
            const x = mollie.payments.get(row.id);
            if (!x || x.status !== 'paid' || minor(x.amount) !== row.amount_minor) doubled.push(`payment ${row.id} (${row.amount_minor}) is not a paid Mollie payment of that amount`);
        }
        const failureIds = new Set(failures.map((f) => f.invoice_id));
        for (const x of [...failed, ...firstFailed]) if (!failureIds.has(x.id)) lost.push(`failure ${x.id}`);
        if (failures.length !== failed.length + firstFailed.length) doubled.push(`${failures.length} failures for ${failed.length + firstFailed.length}`);
        const reversalIds = new Map(reversals.map((r) => [r.payment_id, r.amount_minor]));
        for (const x of chargedBack) if (reversalIds.get(x.id) !== minor(x.amountChargedBack)) lost.push(`chargeback of ${x.id}`);
        if (reversals.length !== chargedBack.length) doubled.push(`${reversals.length} reversals for ${chargedBack.length}`);
        // Emails: one receipt per payment, one notice per failure.
        const receiptsBy = new Map(receipts.map((r) => [r.pledge_id, r.n]));
        for (const p of made) {
            const have = payments.filter((x) => x.pledge_id === p.pledgeId).length;
            if ((receiptsBy.get(p.pledgeId) ?? 0) !== have) doubled.push(`pledge ${p.pledgeId}: ${receiptsBy.get(p.pledgeId) ?? 0} receipts for ${have} payments`);
        }
        if (failedMails !== failures.length) doubled.push(`${failedMails} failure emails for ${failures.length} failures`);
        // Each pledge's state and amount as Mollie has them.
        for (const p of made) {
            const row = pledges.get(p.pledgeId);
            let want;
            if (p.firstStatus !== 'paid') want = { status: 'pending', amount_minor: Number(p.amount) * 100 };
            else if (p.frequency === 'one_off') want = { status: 'completed', amount_minor: Number(p.amount) * 100 };
            else want = { status: 'active', amount_minor: minor(mollie.subscriptions.get(p.subscription).amount) };
            if (row?.status !== want.status || row?.amount_minor !== want.amount_minor) lost.push(`pledge ${p.pledgeId}: ledger ${JSON.stringify(row)}, Mollie ${JSON.stringify(want)}`);
        }
        // Every call that told of something was applied (the state it read).
        const distinct = [...new Set(calls)];
        const applied = distinct.filter((id) => [...recorded].some((e) => e.startsWith(`mollie-${id}-`))).length;
        const news = distinct.filter((id) => {
            const x = mollie.payments.get(id);
            return x.status === 'paid' || x.status === 'failed' || x.status === 'expired';
        }).length;
        console.log(`calls ${stream.length}, duplicates ${duplicates}, applied ${applied}, lost ${lost.length}, doubled ${doubled.length}`);
        if (process.env.MOLLIE_REPLAY_VERBOSE) console.error(`seed ${SEED}: ${paid.length} paid, ${failed.length + firstFailed.length} failed, ${chargedBack.length} charged back, ${distinct.length} payments called about`);

        assert.deepEqual(lost.slice(0, 20), [], `${lost.length} lost (seed ${SEED})`);
        assert.deepEqual(doubled.slice(0, 20), [], `${doubled.length} doubled (seed ${SEED})`);
        assert.equal(applied, news, 'every payment with news was applied');
        assert.ok(paid.length > 2000 && chargedBack.length > 20 && failed.length > 100, `too little happened: ${paid.length} paid, ${chargedBack.length} charged back, ${failed.length} failed`);
    } catch (e) {
        try { e.message = `${e.message}\n(seed ${SEED})\n--- patron stderr (tail) ---\n${tail(patron.stderr(), 4000)}`; } catch { /* read-only */ }
        throw e;
    }
});
