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
import { sleep, sqlite, startPatron, startStandin, tail, stopClean } from './lib.mjs';
import { compareLedger, compareReturns, makeActivity, makePledges, makeReturns, mulberry32, pool, RETURNS_BUDGET, shuffle } from './replay-lib.mjs';

const PLEDGES = 500;
const DELIVERIES = 5000;
const DUPLICATE_SHARE = 0.2;
const CONNECTIONS = 8;
const SEED = Number(process.env.PAYMENTS_REPLAY_SEED ?? Date.now() % 1_000_000);

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

test('5,000 shuffled, duplicated deliveries across two SIGKILLs leave the ledger equal to Stripe', { timeout: 300_000 }, async () => {
    const started = Date.now();
    try {
        /* ------------------------------------------------ 500 pledges */
        const { made, unique } = await makePledges({ standin, baseFor: () => patron.base, count: PLEDGES, random });
        const setupMs = Date.now() - started;

        /* ----------------------------- months of activity at the stand-in */
        const target = Math.round(DELIVERIES * (1 - DUPLICATE_SHARE)) - RETURNS_BUDGET;
        makeActivity({ standin, made, unique, target, random });

        /* --------------- refunds (partial, some twice) and disputes, at Stripe */
        const { charges, refundedCharges, disputedCharges } = makeReturns({ standin, unique, random });

        /* ------------------------------------- the stream: dupes, shuffled */
        const stream = [...unique];
        const duplicates = DELIVERIES - unique.length;
        for (let i = 0; i < duplicates; i++) stream.push(pick(unique));
        shuffle(stream, random);

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
        const rows = {
            pledges: sqlite(patron.db, 'SELECT id, status, amount_minor, subscription_id, length(email_sealed) AS sealed, erased_at IS NOT NULL AS erased FROM pledges'),
            payments: sqlite(patron.db, 'SELECT id, pledge_id, amount_minor FROM payments'),
            failures: sqlite(patron.db, 'SELECT invoice_id, attempt FROM payment_failures'),
            recorded: sqlite(patron.db, 'SELECT id FROM processor_events'),
        };
        const { lostEvents, wrong, expectedPayments, expectedSum, ledgerSum, paymentCount, applied } =
            compareLedger({ standin, made, unique, rows });
        const returns = compareReturns({
            standin, charges,
            rows: {
                reversals: sqlite(patron.db, 'SELECT payment_id, SUM(amount_minor) AS amount, count(*) AS n FROM payment_reversals GROUP BY payment_id'),
                openDisputes: sqlite(patron.db, 'SELECT count(*) AS n FROM payment_disputes WHERE open = 1')[0].n,
            },
        });
        lostEvents.push(...returns.lostReturns);
        wrong.push(...returns.wrong);
        const lost = lostEvents.length + wrong.length;
        const doubled = returns.doubledReturns.length;
        console.log(`events ${stream.length}, duplicates ${duplicates}, applied ${applied}, lost ${lost}, doubled ${doubled}`);
        if (process.env.PAYMENTS_REPLAY_VERBOSE) console.error(`replay seed ${SEED}: setup ${setupMs} ms, delivery ${deliveryMs} ms, ${attempts} attempts for ${stream.length} deliveries, ` +
            `${restartTries} start(s) for 2 kills, ${paymentCount} payments totalling ${ledgerSum}, ${refundedCharges} refunded and ${disputedCharges} disputed charges, ${returns.ledgerReturned} came back`);

        assert.deepEqual(lostEvents.slice(0, 20), [], `${lostEvents.length} events have no effect in the ledger (seed ${SEED})`);
        assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} pledges differ from Stripe (seed ${SEED})`);
        assert.equal(paymentCount, expectedPayments, 'number of payments');
        assert.equal(ledgerSum, expectedSum, 'sum of payments');
        assert.deepEqual(returns.doubledReturns.slice(0, 20), [], `${doubled} payments had money that came back counted twice (seed ${SEED})`);
        assert.equal(returns.ledgerReturned, returns.expectedReturned, 'sum of what came back');
        assert.equal(lost, 0);
        assert.equal(doubled, 0);
        assert.equal(applied, unique.length);
    } catch (e) {
        try { e.message = `${e.message}\n(seed ${SEED})\n--- patron stderr (tail) ---\n${tail(patron.stderr(), 4000)}`; } catch { /* read-only */ }
        throw e;
    }
});
