// The replay for BTCPay: pledges made through the real flow (gifts and
// monthly pledges' first invoices), their invoices settled, expired or
// invalidated at the stand-in, then 2,000 webhook calls as BTCPay makes them
// (signed with BTCPay-Sig; every event of every invoice: InvoiceCreated,
// InvoiceReceivedPayment, InvoiceProcessing, then InvoiceSettled,
// InvoiceExpired or InvoiceInvalid), 20% duplicates (half the same delivery
// again, half redeliveries with a new deliveryId), shuffled, over 8
// connections, while patron is killed with SIGKILL once and restarted. Calls
// are retried until patron answers 2xx, as BTCPay's are. patron reads each
// invoice back, so a call heard late carries the invoice's latest state. At
// the end the ledger must equal the stand-in's record, and one line is
// printed:
//   calls N, duplicates D, applied A, lost 0, doubled 0
//
// BTCPAY_REPLAY_SEED picks the random order (printed on failure).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sleep, sqlite, stopClean, tail } from './lib.mjs';
import { startBtcpay, startBtcpayPatron, supportBtcpay } from './btcpay-lib.mjs';

const CALLS = 2000;
const DUPLICATE_SHARE = 0.2;
const CONNECTIONS = 8;
const SEED = Number(process.env.BTCPAY_REPLAY_SEED ?? Date.now() % 1_000_000);
const EXPIRED_NOTE = 'crypto invoice expired unpaid';
const INVALID_NOTE = 'crypto invoice invalid: its payment did not confirm in time';

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

let btcpay;
let patron;

before(async () => {
    btcpay = await startBtcpay({ autoDeliver: false, connections: CONNECTIONS });
    patron = await startBtcpayPatron({ btcpay, label: 'btcpay-replay', config: { pledge_attempts_per_hour: '100000', threads: '4', btcpay_reader_timeout: '20', btcpay_timeout: '20' } });
});

after(async () => {
    await stopClean(patron);
    await btcpay?.close();
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

test('2,000 shuffled, duplicated BTCPay webhook calls across a SIGKILL leave the ledger equal to BTCPay', { timeout: 300_000 }, async () => {
    try {
        /* ------------------------------------ pledges until there is news enough */
        const target = Math.round(CALLS * (1 - DUPLICATE_SHARE));
        const made = [];
        for (let round = 0; round < 1000 && btcpay.events.length < target; round++) {
            // Smaller batches near the end: an invoice makes 2 to 4 events,
            // so the news overshoots 80% of the calls by 3 at most.
            const size = Math.max(1, Math.min(40, Math.floor((target - btcpay.events.length) / 4)));
            const plans = Array.from({ length: size }, (_, i) => ({
                index: made.length + i,
                frequency: random() < 0.3 ? 'monthly' : 'one_off',
                amount: String(2 + Math.floor(random() * 49)),
            }));
            const batch = await pool(plans, 8, async (plan) => {
                const s = await supportBtcpay(patron, btcpay, { amount: plan.amount, frequency: plan.frequency, email: `donor${plan.index}@example.org` });
                assert.equal(s.status, 303, `POST /support #${plan.index}: ${s.status} ${s.body.slice(0, 200)}`);
                return { ...plan, invoiceId: s.invoiceId, pledgeId: s.pledgeId };
            });
            for (const p of batch) {
                const roll = random();
                if (roll < 0.1) btcpay.expire(p.invoiceId, { deliver: false });
                else if (roll < 0.2) btcpay.invalidate(p.invoiceId, { deliver: false });
                else if (roll < 0.25) btcpay.process(p.invoiceId, { deliver: false }); // still waiting for confirmations
                else btcpay.settle(p.invoiceId, { deliver: false });
                p.final = btcpay.invoices.get(p.invoiceId).status;
                made.push(p);
            }
        }
        const calls = [...btcpay.events];
        assert.ok(calls.length >= target, `only ${calls.length} events were made`);

        /* ------------------------------------------ duplicates, shuffled */
        const duplicates = CALLS - calls.length;
        const stream = [...calls];
        for (let i = 0; i < duplicates; i++) {
            const e = pick(calls);
            // Half the same delivery again, half a redelivery (a new deliveryId).
            stream.push(i % 2 === 0 ? e : { ...e, body: { ...e.body, deliveryId: `Redelivery${String(i).padStart(12, '0')}`, isRedelivery: true } });
        }
        for (let i = stream.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [stream[i], stream[j]] = [stream[j], stream[i]];
        }

        /* ------------------------------ 8 connections, patron killed once */
        let finished = 0;
        let kills = 0;
        const delivery = pool(stream, CONNECTIONS, async (event) => {
            const r = await btcpay.deliverOne(event, { maxAttempts: 400, retryDelaysMs: [25, 50, 100, 200, 400], timeoutMs: 20_000 });
            finished++;
            return r;
        });
        const killer = (async () => {
            const deadline = Date.now() + 200_000;
            for (let i = 0; i < 100_000 && finished < stream.length / 2 && Date.now() < deadline; i++) await sleep(20);
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
        })();
        const [results] = await Promise.all([delivery, killer]);
        assert.equal(kills, 1, 'patron was not killed during the stream');
        const refused = results.filter((r) => !(r.status >= 200 && r.status < 300));
        assert.equal(refused.length, 0, `calls never accepted: ${JSON.stringify(refused.slice(0, 5))}`);

        /* --------------------------------- the ledger against BTCPay's record */
        const pledges = new Map(sqlite(patron.db, 'SELECT id, status, amount_minor, subscription_id FROM pledges').map((r) => [r.id, r]));
        const payments = sqlite(patron.db, 'SELECT id, pledge_id, amount_minor, currency FROM payments');
        const notes = sqlite(patron.db, `SELECT pledge_id, note FROM pledge_history WHERE note IN ('${EXPIRED_NOTE}', '${INVALID_NOTE}')`);
        const receipts = sqlite(patron.db, "SELECT pledge_id, count(*) AS n FROM outbox WHERE kind = 'receipt' GROUP BY pledge_id");
        const failures = sqlite(patron.db, 'SELECT count(*) AS n FROM payment_failures')[0].n;
        const recorded = new Set(sqlite(patron.db, "SELECT id FROM processor_events WHERE id LIKE 'btcpay-%'").map((r) => r.id));

        const lost = [];
        const doubled = [];
        const paidBy = new Map();
        for (const row of payments) paidBy.set(row.id, [...(paidBy.get(row.id) ?? []), row]);
        const receiptsBy = new Map(receipts.map((r) => [r.pledge_id, r.n]));
        for (const p of made) {
            const invoice = btcpay.invoices.get(p.invoiceId);
            const row = pledges.get(p.pledgeId);
            const paid = paidBy.get(p.invoiceId) ?? [];
            const lines = notes.filter((n) => n.pledge_id === p.pledgeId);
            const want = Math.round(Number(invoice.amount) * 100);
            if (invoice.status === 'Settled') {
                if (paid.length === 0) lost.push(`payment ${p.invoiceId}`);
                if (paid.length > 1) doubled.push(`payment ${p.invoiceId} ×${paid.length}`);
                if (paid.some((x) => x.amount_minor !== want || x.currency !== invoice.currency || x.pledge_id !== p.pledgeId)) doubled.push(`payment ${p.invoiceId} is not BTCPay's amount`);
                const status = p.frequency === 'one_off' ? 'completed' : 'active';
                if (row?.status !== status) lost.push(`pledge ${p.pledgeId}: ${row?.status}, not ${status}`);
                if ((receiptsBy.get(p.pledgeId) ?? 0) !== 1) doubled.push(`pledge ${p.pledgeId}: ${receiptsBy.get(p.pledgeId) ?? 0} receipts`);
            } else {
                if (paid.length > 0) doubled.push(`payment for ${invoice.status} invoice ${p.invoiceId}`);
                if (row?.status !== 'pending') doubled.push(`pledge ${p.pledgeId} of a ${invoice.status} invoice is ${row?.status}`);
                if ((receiptsBy.get(p.pledgeId) ?? 0) !== 0) doubled.push(`pledge ${p.pledgeId}: a receipt without a payment`);
            }
            const note = invoice.status === 'Expired' ? EXPIRED_NOTE : invoice.status === 'Invalid' ? INVALID_NOTE : null;
            const have = lines.filter((l) => l.note === note).length;
            if (note && have === 0) lost.push(`the ${invoice.status} line of ${p.pledgeId}`);
            if (note && have > 1) doubled.push(`the ${invoice.status} line of ${p.pledgeId} ×${have}`);
            if (lines.length > (note ? 1 : 0)) doubled.push(`pledge ${p.pledgeId}: ${lines.length} history lines for a ${invoice.status} invoice`);
        }
        if (failures !== 0) doubled.push(`${failures} failed payments recorded; BTCPay has none`);
        if (payments.length !== made.filter((p) => btcpay.invoices.get(p.invoiceId).status === 'Settled').length) doubled.push(`${payments.length} payments in the ledger`);
        // Every invoice with news was applied once, by the state it was read in.
        const news = made.filter((p) => ['Settled', 'Expired', 'Invalid'].includes(btcpay.invoices.get(p.invoiceId).status));
        const applied = news.filter((p) => recorded.has(`btcpay-${p.invoiceId}-${btcpay.invoices.get(p.invoiceId).status}`)).length;
        const strays = [...recorded].filter((id) => !news.some((p) => id === `btcpay-${p.invoiceId}-${btcpay.invoices.get(p.invoiceId).status}`));
        if (strays.length) doubled.push(`events applied that BTCPay never reported as final: ${strays.slice(0, 3).join(', ')}`);
        console.log(`calls ${stream.length}, duplicates ${duplicates}, applied ${applied}, lost ${lost.length}, doubled ${doubled.length}`);

        assert.deepEqual(lost.slice(0, 20), [], `${lost.length} lost (seed ${SEED})`);
        assert.deepEqual(doubled.slice(0, 20), [], `${doubled.length} doubled (seed ${SEED})`);
        assert.equal(applied, news.length, 'every invoice with news was applied');
        assert.ok(news.length > 300 && made.some((p) => p.final === 'Expired') && made.some((p) => p.final === 'Invalid'), `too little happened: ${news.length} invoices with news`);
    } catch (e) {
        try { e.message = `${e.message}\n(seed ${SEED})\n--- patron stderr (tail) ---\n${tail(patron.stderr(), 4000)}`; } catch { /* read-only */ }
        throw e;
    }
});
