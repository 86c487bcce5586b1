// patron on several nodes (docs/SCALING.md): one throwaway PostgreSQL
// cluster, three `patron serve` nodes on it (the same settings and key file,
// each its own folder and port), Debian's nginx in front of them with the
// shipped packaging/nginx.conf, a stand-in Stripe and an SMTP server that
// keeps what it is sent, all on loopback. Each check prints one line:
//
//   1. the payments suite's webhook replay (with its refunds and disputes)
//      spread over the three nodes, 100 events sent to two nodes at once,
//      two nodes SIGKILLed and restarted: the ledger, and what came back of
//      each payment, equal the stand-in's record;
//   2. 100,000 widget events over the nodes, one SIGTERMed and restarted:
//      the daily counts equal what was sent;
//   3. a campaign saved on node 1 is served by node 3 within one second,
//      with the default catalog_check_interval;
//   4. `patron reminders send` on two nodes at once: one email per address,
//      nothing due left;
//   5. PostgreSQL restarted mid-run: /v1/appeal through nginx never fails,
//      and writes resume without loss.
//
// Needs PostgreSQL's server, psql and nginx (Debian's packages, which ./run
// installs). Without them the file is skipped, unless PATRON_TEST_PG_REQUIRED
// is set (tests/run-all.sh sets it): then it fails.
// CLUSTER_SEED picks the random choices (printed on failure).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, appealBody } from '../http/lib.mjs';
import { http, sleep, stateAmount, startStandin, stopClean, tail, WEBHOOK_SECRET } from '../payments/lib.mjs';
import { compareLedger, compareReturns, makeActivity, makePledges, makeReturns, mulberry32, pool, RETURNS_BUDGET, shuffle } from '../payments/replay-lib.mjs';
import { startSmtp, startSend, monthFromNow, sendTime, sendSummary, deliveriesByAddress } from '../reminders/lib.mjs';
import { postJson, psql, psqlRows, skip, startNginx, startNodes, startPostgres } from './lib.mjs';

const NODES = 3;
const SEED = Number(process.env.CLUSTER_SEED ?? Date.now() % 1_000_000);
const random = mulberry32(SEED);
const AUTH = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const opts = (timeout) => ({ skip, timeout });

let pg;
let database;
let smtp;
let standin;
let nodes = [];
let nginx;

before(async () => {
    if (skip) return;
    pg = startPostgres(600);
    database = pg.createDatabase('patron_cluster');
    smtp = await startSmtp();
    standin = await startStandin({
        secret: WEBHOOK_SECRET,
        autoDeliver: false,
        delivery: { maxAttempts: 400, baseDelayMs: 25, maxDelayMs: 400, timeoutMs: 20_000, deadlineMs: 90_000, connections: 8 },
    });
    nodes = await startNodes({
        count: NODES, stripe: standin, smtp,
        config: {
            database,
            threads: '2',
            // One client (this test) stands for many readers and donors.
            pledge_attempts_per_hour: '100000',
            event_batches_per_minute: '1000000',
            events_per_variant_per_batch: '100',
            reminder_signups_per_hour: '100000',
            events_flush_interval_ms: '200',
            smtp_retries: '0',
        },
    });
    nginx = await startNginx(nodes);
});

after(async () => {
    try {
        if (nginx) await nginx.stop();
        for (const node of nodes) await stopClean(node);
    } finally {
        await smtp?.close();
        await standin?.close();
        if (pg) pg.stop();
    }
});

/** Runs a check; a failure gets the seed and every node's log tail. */
function check(name, timeout, fn) {
    test(name, opts(timeout), async () => {
        try {
            await fn();
        } catch (e) {
            const logs = nodes.map((n, i) => `--- node ${i + 1} (tail) ---\n${tail(n.stderr(), 2500)}`).join('\n');
            try { e.message = `${e.message}\n(CLUSTER_SEED=${SEED})\n${logs}`; } catch { /* read-only */ }
            throw e;
        }
    });
}

/** Waits until fn() is truthy, at most timeoutMs; returns its last value. */
async function until(fn, timeoutMs, intervalMs = 50) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (let i = 0; i < 100_000; i++) {
        last = await fn();
        if (last || Date.now() >= deadline) return last;
        await sleep(intervalMs);
    }
    return last;
}

/** Event counts in the database for demo-2026/a: {kind: total over days}. */
function eventTotals() {
    const out = {};
    for (const r of psqlRows(database, "SELECT kind, sum(count)::bigint AS n FROM event_counts WHERE campaign = 'demo-2026' AND variant = 'a' GROUP BY kind")) {
        out[r.kind] = Number(r.n);
    }
    return out;
}

/** Every node writes what it counted in memory (GET /v1/stats flushes first). */
async function flushAll() {
    for (const node of nodes) {
        const r = await until(async () => {
            const got = await http(node.base, 'GET', '/v1/stats', { headers: AUTH }).catch(() => null);
            return got?.status === 200 ? got : null;
        }, 15_000, 100);
        assert.ok(r, `GET /v1/stats on ${node.base} did not answer 200`);
    }
}

/** Restarts a node that was stopped or killed (its port may take a moment). */
async function restart(node) {
    for (let attempt = 1; attempt <= 20; attempt++) {
        try {
            await node.start();
            return attempt;
        } catch (e) {
            if (attempt === 20) throw e;
            await sleep(500);
        }
    }
    return 20;
}

/* ----------------------------------------------------------------- 1 */

const PLEDGES = 500;
const DELIVERIES = 5000;
const DUPLICATE_SHARE = 0.2;
const PAIRS = 100;
const CONNECTIONS = 8;

check('1. the webhook replay over three nodes, two of them SIGKILLed: the ledger equals Stripe, nothing lost or doubled', 150_000, async () => {
    const started = Date.now();
    const { made, unique } = await makePledges({ standin, baseFor: (i) => nodes[i % NODES].base, count: PLEDGES, random });
    const target = Math.round(DELIVERIES * (1 - DUPLICATE_SHARE)) - RETURNS_BUDGET;
    makeActivity({ standin, made, unique, target, random });
    const { charges, refundedCharges, disputedCharges } = makeReturns({ standin, unique, random });
    const setupMs = Date.now() - started;

    // The stream: every event once, PAIRS of them as two deliveries to two
    // nodes at the same moment, and random duplicates; shuffled.
    const pairIds = new Set(shuffle([...unique], random).slice(0, PAIRS).map((e) => e.id));
    const items = unique.map((event) => ({ event, pair: pairIds.has(event.id) }));
    const duplicates = DELIVERIES - unique.length;
    for (let i = 0; i < duplicates - PAIRS; i++) items.push({ event: unique[Math.floor(random() * unique.length)], pair: false });
    shuffle(items, random);

    let finished = 0;
    let kills = 0;
    const deliveryStart = Date.now();
    const deliveryPromise = pool(items, CONNECTIONS, async (item, i) => {
        const url = (k) => nodes[k % NODES].webhookUrl;
        const r = item.pair
            ? await Promise.all([standin.deliverOne(item.event, { url: url(i) }), standin.deliverOne(item.event, { url: url(i + 1) })])
            : [await standin.deliverOne(item.event, { url: url(i) })];
        finished++;
        return r;
    });
    let restarts = 0;
    const killer = (async () => {
        for (const [share, victim] of [[1 / 3, 1], [2 / 3, 2]]) {
            const deadline = Date.now() + 90_000;
            for (let i = 0; i < 100_000 && finished < items.length * share && Date.now() < deadline; i++) await sleep(20);
            if (finished >= items.length) return;
            await nodes[victim].kill('SIGKILL');
            kills++;
            await sleep(300);
            restarts += await restart(nodes[victim]);
        }
    })();
    const [results] = await Promise.all([deliveryPromise, killer]);
    const deliveryMs = Date.now() - deliveryStart;
    assert.equal(kills, 2, 'two nodes were not killed during the stream');
    const all = results.flat();
    assert.equal(all.length, DELIVERIES);
    const notAccepted = all.filter((r) => !(r.status >= 200 && r.status < 300));
    assert.equal(notAccepted.length, 0, `deliveries never accepted: ${JSON.stringify(notAccepted.slice(0, 5))}`);
    // A pair: at most one of the two nodes applied the event (the other
    // answered duplicate), or neither when an earlier copy had.
    let pairsOneApplied = 0;
    let pairsBothApplied = 0;
    items.forEach((item, i) => {
        if (!item.pair) return;
        const fresh = results[i].filter((r) => JSON.parse(r.body).duplicate === false).length;
        if (fresh === 1) pairsOneApplied++;
        if (fresh > 1) pairsBothApplied++;
    });

    const rows = {
        pledges: psqlRows(database, 'SELECT id, status, amount_minor, subscription_id, length(email_sealed) AS sealed, erased_at IS NOT NULL AS erased FROM pledges'),
        payments: psqlRows(database, 'SELECT id, pledge_id, amount_minor FROM payments'),
        failures: psqlRows(database, 'SELECT invoice_id, attempt FROM payment_failures'),
        recorded: psqlRows(database, 'SELECT id FROM processor_events'),
    };
    const c = compareLedger({ standin, made, unique, rows });
    const r = compareReturns({
        standin, charges,
        rows: {
            reversals: psqlRows(database, 'SELECT payment_id, SUM(amount_minor) AS amount, count(*) AS n FROM payment_reversals GROUP BY payment_id'),
            openDisputes: Number(psql(database, 'SELECT count(*) FROM payment_disputes WHERE open')),
        },
    });
    const lost = c.lostEvents.length + c.wrong.length - c.doubled + r.lostReturns.length + r.wrong.length;
    const doubled = c.doubled + pairsBothApplied + r.doubledReturns.length;
    console.log(`events ${all.length}, duplicates ${duplicates}, applied ${c.applied}, lost ${lost}, doubled ${doubled}`);
    console.log(`  over ${NODES} nodes, ${PAIRS} events sent to two nodes at once (${pairsOneApplied} applied by one and ` +
        `refused as a duplicate by the other, ${pairsBothApplied} applied by both), 2 nodes SIGKILLed and restarted ` +
        `(${restarts} start(s)); setup ${setupMs} ms, delivery ${deliveryMs} ms, ` +
        `${all.reduce((n, x) => n + x.attempts, 0)} attempts; ${c.paymentCount} payments totalling ${c.ledgerSum}; ` +
        `${refundedCharges} refunded and ${disputedCharges} disputed charges, ${r.ledgerReturned} came back`);

    assert.deepEqual(c.lostEvents.slice(0, 20), [], `${c.lostEvents.length} events have no effect in the ledger`);
    assert.deepEqual(c.wrong.slice(0, 20), [], `${c.wrong.length} pledges differ from Stripe`);
    assert.equal(c.paymentCount, c.expectedPayments, 'number of payments');
    assert.equal(c.ledgerSum, c.expectedSum, 'sum of payments');
    assert.deepEqual(r.lostReturns.slice(0, 20), [], `${r.lostReturns.length} payments have less back in the ledger than at Stripe`);
    assert.deepEqual(r.doubledReturns.slice(0, 20), [], `${r.doubledReturns.length} payments had money that came back counted twice`);
    assert.deepEqual(r.wrong, []);
    assert.equal(r.ledgerReturned, r.expectedReturned, 'sum of what came back');
    assert.equal(c.applied, unique.length);
    assert.equal(doubled, 0);
    assert.equal(Number(psql(database, 'SELECT count(*) FROM processor_events')), unique.length, 'one row per event');
});

/* ----------------------------------------------------------------- 2 */

const EVENT_BATCHES = 1000;
const PER_BATCH = 100;
const KINDS = ['impression', 'impression', 'impression', 'click', 'snooze_later', 'snooze_close', 'snooze_supporting'];

check('2. 100,000 widget events over three nodes, one SIGTERMed and restarted: the daily counts equal what was sent', 90_000, async () => {
    await flushAll();
    const before = eventTotals();
    const sent = {};
    const batches = Array.from({ length: EVENT_BATCHES }, () => {
        const events = Array.from({ length: PER_BATCH }, () => {
            const kind = KINDS[Math.floor(random() * KINDS.length)];
            sent[kind] = (sent[kind] ?? 0) + 1;
            return { kind, campaign: 'demo-2026', variant: 'a' };
        });
        return JSON.stringify({ events });
    });
    let finished = 0;
    let retried = 0;
    const reasons = {};
    const perNode = new Array(NODES).fill(0);
    const deadline = Date.now() + 60_000;
    const started = Date.now();
    const sending = pool(batches, 8, async (body, b) => {
        // A node that is not there (stopping, stopped, starting) answers no
        // 202: the batch goes to the next node, as a balancer would send it.
        for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
            const k = (b + attempt) % NODES;
            const r = await postJson(nodes[k].base, '/v1/events', body, { headers: { 'Content-Type': 'text/plain' } });
            if (r.status === 202) {
                assert.deepEqual(r.json, { accepted: PER_BATCH, ignored: 0 }, `batch ${b} on node ${k + 1}`);
                perNode[k]++;
                finished++;
                return;
            }
            retried++;
            reasons[`node ${k + 1}: ${r.status ?? r.error}`] = (reasons[`node ${k + 1}: ${r.status ?? r.error}`] ?? 0) + 1;
            if (attempt % NODES === NODES - 1) await sleep(50);
        }
        assert.fail(`batch ${b} was never accepted`);
    });
    const terminator = (async () => {
        for (let i = 0; i < 100_000 && finished < EVENT_BATCHES * 0.4 && Date.now() < deadline; i++) await sleep(5);
        const exit = await nodes[1].stop();
        assert.deepEqual({ code: exit?.code, signal: exit?.signal }, { code: 0, signal: null }, 'node 2 exits 0 on SIGTERM');
        await sleep(200);
        await restart(nodes[1]);
    })();
    await Promise.all([sending, terminator]);
    const ms = Date.now() - started;
    await flushAll();
    const after = eventTotals();
    const counted = {};
    for (const kind of Object.keys(sent)) counted[kind] = (after[kind] ?? 0) - (before[kind] ?? 0);
    const total = (o) => Object.values(o).reduce((s, n) => s + n, 0);
    const days = psql(database, "SELECT string_agg(day::text, ',' ORDER BY day) FROM (SELECT DISTINCT day FROM event_counts) d");
    console.log(`widget events sent ${total(sent)} in ${EVENT_BATCHES} batches (${perNode.join(' + ')} per node, ` +
        `${retried} retried elsewhere, node 2 SIGTERMed and restarted) in ${ms} ms; counted ${total(counted)} ` +
        `(days ${days}), lost ${Math.max(0, total(sent) - total(counted))}, doubled ${Math.max(0, total(counted) - total(sent))}`);
    assert.deepEqual(counted, sent, `the counts per kind equal what was sent (retried: ${JSON.stringify(reasons)})`);
});

/* ----------------------------------------------------------------- 3 */

check('3. a campaign saved through node 1 is served by node 3 within one second', 60_000, async () => {
    const id = 'cluster-spring';
    const appealOn = async (node) => {
        const r = await postJson(node.base, '/v1/appeal', appealBody());
        assert.equal(r.status, 200, `appeal on ${node.base}: ${r.status} ${r.body}`);
        return r.json.appeal?.campaign ?? null;
    };
    assert.notEqual(await appealOn(nodes[2]), id, 'node 3 does not serve it yet');
    const campaign = {
        id, status: 'live', priority: 90, languages: ['en'],
        variants: [{ id: 'x', text: { en: { headline: 'Spring, saved on node 1' } } }],
    };
    const saved = await postJson(nodes[0].base, '/v1/admin/campaigns', campaign, { headers: AUTH });
    assert.equal(saved.status, 201, saved.body);
    const savedAt = performance.now();
    const seen = await until(async () => (await appealOn(nodes[2])) === id, 15_000, 10);
    const delay = performance.now() - savedAt;
    assert.ok(seen, 'node 3 never served the campaign saved on node 1');
    console.log(`campaign saved through node 1, served by node 3 after ${Math.round(delay)} ms ` +
        '(catalog_check_interval at its default)');
    // Out of the way of the other checks, on every node (bounded).
    assert.equal((await http(nodes[0].base, 'DELETE', `/v1/admin/campaigns/${id}`, { headers: AUTH })).status, 204);
    assert.ok(delay <= 1000, `node 3 served the change after ${Math.round(delay)} ms, more than 1 s`);
});

/* ----------------------------------------------------------------- 4 */

const REMINDERS = 40;

check('4. `patron reminders send` on two nodes at once: one email per due address, none due afterwards', 60_000, async () => {
    const month = monthFromNow(1);
    const later = monthFromNow(3);
    const emails = Array.from({ length: REMINDERS }, (_, i) => `cluster.${i + 1}@remind.example`);
    for (const [i, email] of emails.entries()) {
        const r = await postJson(nodes[i % NODES].base, '/v1/reminders', { email, month });
        assert.equal(r.status, 200, `sign-up ${email}: ${r.status} ${r.body}`);
    }
    // One that is not due yet stays.
    assert.equal((await postJson(nodes[2].base, '/v1/reminders', { email: 'later@remind.example', month: later })).status, 200);
    smtp.dataDelayMs = 40; // each send takes a while: the two overlap
    const ours = () => smtp.delivered.filter((m) => m.envelope.to.some((to) => to.endsWith('@remind.example')));
    let sends;
    try {
        const a = startSend(nodes[0], sendTime(month));
        const b = startSend(nodes[1], sendTime(month));
        sends = await Promise.all([a.done, b.done]);
    } finally {
        smtp.dataDelayMs = 0;
    }
    for (const r of sends) {
        assert.ok(!r.timedOut, 'a send did not finish');
        assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null }, tail(r.stderr));
    }
    const [sa, sb] = sends.map((r) => sendSummary(r.stderr));
    const byAddress = Object.fromEntries(deliveriesByAddress(ours()));
    const twice = Object.entries(byAddress).filter(([, n]) => n > 1).length;
    const missingOnes = emails.filter((e) => !byAddress[e]).length;
    const due = Number(psql(database, `SELECT count(*) FROM reminders WHERE month <= '${month}'`));
    console.log(`reminders due ${REMINDERS}, sent ${sa.sent} by node 1 and ${sb.sent} by node 2 at once; ` +
        `emails ${ours().length}, addresses twice ${twice}, missed ${missingOnes}; due afterwards ${due}`);
    assert.deepEqual(byAddress, Object.fromEntries(emails.map((e) => [e, 1])), 'each due address exactly once');
    assert.equal(sa.sent + sb.sent, REMINDERS);
    assert.equal(sa.failed + sb.failed, 0);
    assert.equal(due, 0, 'no due reminder remains');
    assert.equal(Number(psql(database, `SELECT count(*) FROM reminders WHERE month = '${later}'`)), 1, 'the later one stays');
});

/* ----------------------------------------------------------------- 5 */

check('5. PostgreSQL restarted mid-run: the appeal through nginx never fails, writes resume without loss', 90_000, async () => {
    await flushAll();
    const before = eventTotals().impression ?? 0;
    let stop = false;
    const appeals = { ok: 0, errors: 0, first: null };
    const events = { accepted: 0, refused: 0 };
    const pledges = { made: [], refused: 0, statuses: {} };
    const appealLoop = async () => {
        for (let i = 0; i < 100_000 && !stop; i++) {
            const r = await postJson(nginx.base, '/v1/appeal', appealBody());
            if (r.status === 200 && r.json?.appeal?.campaign) appeals.ok++;
            else { appeals.errors++; appeals.first ??= `${r.status} ${r.error ?? r.body.slice(0, 200)}`; }
        }
    };
    const eventLoop = async () => {
        const body = JSON.stringify({ events: Array.from({ length: 10 }, () => ({ kind: 'impression', campaign: 'demo-2026', variant: 'a' })) });
        for (let i = 0; i < 100_000 && !stop; i++) {
            const r = await postJson(nginx.base, '/v1/events', body, { headers: { 'Content-Type': 'text/plain' } });
            if (r.status === 202) events.accepted += r.json.accepted;
            else events.refused++;
            await sleep(10);
        }
    };
    const pledgeLoop = async () => {
        for (let i = 0; i < 1000 && !stop; i++) {
            const form = await stateAmount({ base: nginx.base }, { frequency: 'monthly', amount: 'other', other_amount: '7', currency: 'USD', lang: 'en' });
            const r = await http(nginx.base, 'POST', '/support', { form }).catch((e) => ({ status: null, body: String(e) }));
            pledges.statuses[r.status] = (pledges.statuses[r.status] ?? 0) + 1;
            if (r.status === 303) {
                const sessionId = decodeURIComponent(r.location.slice(`${standin.url}/pay/`.length));
                pledges.made.push({ sessionId, pledgeId: standin.session(sessionId).metadata.pledge_id });
            } else {
                pledges.refused++;
            }
            await sleep(50);
        }
    };
    const loops = [appealLoop(), appealLoop(), appealLoop(), eventLoop(), pledgeLoop()];
    let restartMs;
    try {
        await sleep(700);
        const t0 = Date.now();
        pg.ctl('restart', '-m', 'fast', '-w', '-t', '30');
        restartMs = Date.now() - t0;
        // Writes resume: a pledge through nginx is taken again within 10 s.
        const made = pledges.made.length;
        await until(() => pledges.made.length > made, 10_000, 50);
        await sleep(500);
    } finally {
        stop = true;
        await Promise.all(loops);
    }
    const madeBefore = pledges.made.length;
    assert.ok(madeBefore > 0, `no pledge was taken: ${JSON.stringify(pledges.statuses)}`);

    // The last pledge made is paid, and its webhook goes through nginx.
    const last = pledges.made[pledges.made.length - 1];
    const done = standin.completeSession(last.sessionId, { email: 'after.restart@example.org', deliver: false });
    const hooks = await Promise.all(done.events.filter((e) => e.type !== 'payment_intent.succeeded')
        .map((e) => standin.deliverOne(e, { url: `${nginx.base}/v1/webhooks/stripe`, deadlineMs: 20_000 })));
    assert.ok(hooks.every((h) => h.status === 200), `webhooks through nginx: ${JSON.stringify(hooks)}`);

    await flushAll();
    const counted = (eventTotals().impression ?? 0) - before;
    const ids = pledges.made.map((p) => `'${p.pledgeId}'`).join(',');
    const stored = Number(psql(database, `SELECT count(*) FROM pledges WHERE id IN (${ids})`));
    const active = psql(database, `SELECT status FROM pledges WHERE id = '${last.pledgeId}'`);
    console.log(`PostgreSQL restarted (${restartMs} ms): appeals through nginx ${appeals.ok + appeals.errors}, errors ${appeals.errors}; ` +
        `events accepted ${events.accepted}, counted ${counted}; pledges taken ${madeBefore} ` +
        `(answers ${JSON.stringify(pledges.statuses)}), stored ${stored}; the last one's webhook applied: ${active}`);
    assert.equal(appeals.errors, 0, `appeal errors through nginx: first ${appeals.first}`);
    assert.ok(appeals.ok > 0);
    assert.equal(counted, events.accepted, 'every accepted event is counted once');
    assert.equal(stored, madeBefore, 'every pledge taken is stored');
    assert.equal(active, 'active');
});
