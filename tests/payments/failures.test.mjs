// What goes wrong around money: failed charges and their emails, events that
// come twice or out of order, Stripe answering 500, and repeated manage
// actions whose Idempotency-Key must not swallow a real change.

import assert from 'node:assert/strict';
import nodeHttp from 'node:http';
import { after, before, test } from 'node:test';
import {
    eventually, http, manageLink, payAndReturn, pledgeRow, sleep, sqlite, startPatron, startSmtp, startStandin, support, stopClean, withLog,
} from './lib.mjs';

let standin;
let smtp;
let patron;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789', delivery: { baseDelayMs: 50, maxDelayMs: 400 } });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, label: 'fail' });
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

const to = (address) => (m) => m.envelope.to.includes(address);
const failedMails = (email) => smtp.messages.filter((m) => to(email)(m) && /^Your payment did not go through/.test(m.subject));
const subOf = (pledgeId) => [...standin.state.subscriptions.values()].find((x) => x.metadata.pledge_id === pledgeId);

async function activePledge(email, amount = '2') {
    const s = await support(patron, standin, { amount });
    assert.equal(s.status, 303, s.body);
    await payAndReturn(patron, standin, s.sessionId, { email });
    await standin.idle();
    const [thanks] = await smtp.waitFor((m) => to(email)(m) && /^Thank you/.test(m.subject));
    return { ...s, sub: subOf(s.pledgeId), link: manageLink(thanks) };
}

async function manage(link, fields) {
    const token = new URL(link).searchParams.get('t');
    return http(patron.base, 'POST', '/manage', { form: { t: token, ...fields } });
}

/** Waits past the outbox's periodic sweep (5 s), so late duplicates would show. */
const settle = () => sleep(6000);

test('a failed charge: one failure email per attempt, however often Stripe tells us', withLog(() => patron, async () => {
    const email = 'fails@example.org';
    const p = await activePledge(email);
    standin.autoDeliver = false;
    try {
        const first = standin.failInvoice(p.sub.id, { deliver: false });
        const r1 = await standin.deliver(first.events, { duplicates: 2, shuffle: true });
        assert.ok(r1.every((r) => r.status === 200), JSON.stringify(r1));
        assert.equal(pledgeRow(patron, p.pledgeId).status, 'past_due');
        await smtp.waitFor((m) => to(email)(m) && /^Your payment did not go through/.test(m.subject));
        const failures = sqlite(patron.db, `SELECT invoice_id, attempt FROM payment_failures WHERE pledge_id = '${p.pledgeId}'`);
        assert.deepEqual(failures, [{ invoice_id: first.invoice.id, attempt: 1 }]);

        const second = standin.retryInvoice(first.invoice.id, { fail: true, deliver: false });
        await standin.deliver(second.events, { duplicates: 2, concurrency: 3 });
        await smtp.waitFor((m) => to(email)(m) && /^Your payment did not go through/.test(m.subject), { count: 2 });
        await settle();
        assert.equal(failedMails(email).length, 2, 'one failure email per attempt');
        const link = manageLink(failedMails(email)[0]);
        assert.ok(link, 'the failure email has no link to update the card');

        const paid = standin.retryInvoice(first.invoice.id, { deliver: false });
        await standin.deliver(paid.events, { duplicates: 2, reverse: true });
        assert.equal(pledgeRow(patron, p.pledgeId).status, 'active');
        const payments = sqlite(patron.db, `SELECT id, amount_minor FROM payments WHERE pledge_id = '${p.pledgeId}' ORDER BY paid_at, id`);
        assert.equal(payments.length, 2);
        assert.ok(payments.some((x) => x.id === first.invoice.id && x.amount_minor === 200));
        await smtp.waitFor((m) => to(email)(m) && /^Your receipt/.test(m.subject), { count: 2 });
    } finally {
        standin.autoDeliver = true;
    }
}));

test('events out of order: invoice.paid before checkout.session.completed still brings the thank-you and the receipt', withLog(() => patron, async () => {
    const email = 'late.checkout@example.org';
    const s = await support(patron, standin, { amount: '6' });
    assert.equal(s.status, 303);
    // The donor closes the tab after paying: no thank-you page, webhooks only,
    // and Stripe sends the invoice first (Stripe does not promise an order).
    const done = standin.completeSession(s.sessionId, { email, deliver: false });
    const [completed, created, paid] = done.events;
    for (const e of [paid, created]) {
        const [r] = await standin.deliver(e);
        assert.equal(r.status, 200, r.body);
    }
    await sleep(1500);
    const [r] = await standin.deliver(completed);
    assert.equal(r.status, 200, r.body);
    const row = pledgeRow(patron, s.pledgeId);
    assert.equal(row.status, 'active');
    assert.ok(row.sealed_length > 0, 'no address stored');
    await smtp.waitFor(to(email), { count: 2, timeoutMs: 12_000 });
}));

test('Stripe answering 500 while a webhook is applied: patron answers 5xx, Stripe retries, applied once', withLog(() => patron, async () => {
    const email = 'flaky@example.org';
    const p = await activePledge(email);
    standin.injectFault({ method: 'GET', path: new RegExp(`^/v1/subscriptions/${p.sub.id}$`), status: 500, count: 2 });
    const cycle = standin.chargeInvoice(p.sub.id, { deliver: false });
    const [r] = await standin.deliver(cycle.events[0]);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.attempts, 3, 'two refusals, then applied');
    const attempts = standin.deliveries.filter((d) => d.event === cycle.events[0].id).map((d) => d.status);
    assert.ok(attempts.slice(0, 2).every((st) => st >= 500), `patron answered ${attempts} while Stripe was down`);
    const payments = sqlite(patron.db, `SELECT id FROM payments WHERE pledge_id = '${p.pledgeId}'`);
    assert.equal(payments.length, 2);
}));

test('Stripe answering 500 to a manage action: 503, nothing changed anywhere', withLog(() => patron, async () => {
    const email = 'manage.down@example.org';
    const p = await activePledge(email);
    const historyBefore = sqlite(patron.db, `SELECT count(*) AS n FROM pledge_history WHERE pledge_id = '${p.pledgeId}'`)[0].n;
    for (const [fields, method] of [[{ action: 'amount', amount: '9' }, 'POST'], [{ action: 'pause' }, 'POST'], [{ action: 'cancel' }, 'DELETE']]) {
        standin.injectFault({ method, path: new RegExp(`^/v1/subscriptions/${p.sub.id}$`), status: 500, count: 1 });
        const r = await manage(p.link, fields);
        assert.equal(r.status, 503, `${fields.action}: ${r.status}`);
        assert.match(r.body, /nothing changed/);
        const row = pledgeRow(patron, p.pledgeId);
        assert.deepEqual([row.status, row.amount_minor], ['active', 200], fields.action);
    }
    const sub = standin.subscription(p.sub.id);
    assert.deepEqual([sub.status, sub.items.data[0].quantity, sub.pause_collection], ['active', 200, null]);
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM pledge_history WHERE pledge_id = '${p.pledgeId}'`)[0].n, historyBefore);
    // And once Stripe is back, the same action works.
    const ok = await manage(p.link, { action: 'amount', amount: '9' });
    assert.equal(ok.status, 200);
    assert.equal(standin.subscription(p.sub.id).items.data[0].quantity, 900);
}));

test('Stripe unreachable on POST /support: a clear 503, nothing charged, the pledge stays pending', withLog(() => patron, async () => {
    standin.injectFault({ method: 'POST', path: /^\/v1\/checkout\/sessions$/, status: 500, count: 1 });
    const before = new Set(sqlite(patron.db, 'SELECT id FROM pledges').map((x) => x.id));
    const r = await support(patron, standin, { amount: '2' });
    assert.equal(r.status, 503, r.body);
    assert.match(r.body, /Nothing was charged/);
    const fresh = sqlite(patron.db, 'SELECT id, status, checkout_id FROM pledges').filter((x) => !before.has(x.id));
    assert.ok(fresh.length <= 1, JSON.stringify(fresh));
    for (const x of fresh) assert.deepEqual([x.status, x.checkout_id], ['pending', '']);
}));

test('the same refusal in Russian is a page in Russian, and says so in its lang', withLog(() => patron, async () => {
    standin.injectFault({ method: 'POST', path: /^\/v1\/checkout\/sessions$/, status: 500, count: 1 });
    const r = await support(patron, standin, { amount: '2', lang: 'ru' });
    assert.equal(r.status, 503, r.body);
    assert.match(r.body, /<html lang="ru">/);
    assert.match(r.body, /Ничего не списано/);
}));

test('the thank-you page and the webhook at the same moment: one thank-you email', withLog(() => patron, async () => {
    const email = 'race@example.org';
    const s = await support(patron, standin, { amount: '2' });
    const done = standin.completeSession(s.sessionId, { email, deliver: false });
    const thanksPath = `/thanks?pledge=${s.pledgeId}&session=${s.sessionId}`;
    // Both paths that apply a checkout, twice each, at once. (The invoice's
    // events follow; their order against the checkout is the test above.)
    const [page, deliveries] = await Promise.all([
        http(patron.base, 'GET', thanksPath),
        standin.deliver(done.events[0], { concurrency: 2, duplicates: 1 }),
        http(patron.base, 'GET', thanksPath),
    ]);
    assert.equal(page.status, 200);
    assert.match(page.body, /data-status="active"/);
    assert.ok(deliveries.every((d) => d.status === 200), JSON.stringify(deliveries));
    const rest = await standin.deliver(done.events.slice(1), { concurrency: 2, duplicates: 1 });
    assert.ok(rest.every((d) => d.status === 200), JSON.stringify(rest));
    await smtp.waitFor(to(email), { count: 2 });
    await settle();
    const subjects = smtp.messages.filter(to(email)).map((m) => m.subject.split(' — ')[0]).sort();
    assert.deepEqual(subjects, ['Thank you for your support', 'Your receipt']);
}));

test('events about subscriptions that are not patron pledges are acknowledged and ignored', withLog(() => patron, async () => {
    const foreign = await fetch(`${standin.url}/v1/checkout/sessions`, {
        method: 'POST',
        headers: { Authorization: 'Bearer sk_test_someoneElse000', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'mode=subscription&success_url=http%3A%2F%2F127.0.0.1%2Fx&line_items[0][price_data][currency]=usd&line_items[0][price_data][product_data][name]=Other&line_items[0][price_data][unit_amount]=700&line_items[0][price_data][recurring][interval]=month&line_items[0][quantity]=1',
    }).then((r) => r.json());
    const done = standin.completeSession(foreign.id, { email: 'other@example.org', deliver: false });
    const before = sqlite(patron.db, 'SELECT count(*) AS n FROM processor_events')[0].n;
    const results = await standin.deliver(done.events);
    for (const r of results) {
        assert.equal(r.status, 200, r.body);
        assert.equal(JSON.parse(r.body).ignored, true, `${r.type}: ${r.body}`);
    }
    assert.equal(sqlite(patron.db, 'SELECT count(*) AS n FROM processor_events')[0].n, before);
}));

test('a change back and forth: $2 → $5 → $2 → $5 leaves Stripe at $5', withLog(() => patron, async () => {
    const email = 'back.and.forth@example.org';
    const p = await activePledge(email);
    for (const amount of ['5', '2', '5']) {
        const r = await manage(p.link, { action: 'amount', amount });
        assert.equal(r.status, 200, r.body);
    }
    assert.equal(pledgeRow(patron, p.pledgeId).amount_minor, 500);
    const replayed = standin.requests.filter((r) => r.path === `/v1/subscriptions/${p.sub.id}` && r.method === 'POST' && r.replayed);
    assert.equal(standin.subscription(p.sub.id).items.data[0].quantity, 500,
        `the ledger says $5 but Stripe charges $${standin.subscription(p.sub.id).items.data[0].quantity / 100}: ` +
        `${replayed.length} update(s) were answered from Stripe's idempotency cache (key ${replayed.map((r) => r.idempotencyKey).join(', ')})`);
}));

test('pause, resume, pause again: Stripe is paused the second time too', withLog(() => patron, async () => {
    const email = 'pause.twice@example.org';
    const p = await activePledge(email);
    for (const action of ['pause', 'resume', 'pause']) {
        const r = await manage(p.link, { action });
        assert.equal(r.status, 200, `${action}: ${r.body}`);
        await standin.idle();
    }
    assert.equal(pledgeRow(patron, p.pledgeId).status, 'paused');
    const replayed = standin.requests.filter((r) => r.path === `/v1/subscriptions/${p.sub.id}` && r.method === 'POST' && r.replayed);
    assert.notEqual(standin.subscription(p.sub.id).pause_collection, null,
        `the ledger says paused but Stripe keeps charging: ${replayed.length} update(s) answered from Stripe's idempotency cache (key ${replayed.map((r) => r.idempotencyKey).join(', ')})`);
}));

test('a slow read of the subscription does not overwrite a newer state: a renewal racing a cancellation', withLog(() => patron, async () => {
    // The two webhooks are handled at once only if they are on different
    // patron threads (a thread waiting on Stripe serves none of its other
    // connections): the quick one comes on a new connection, and the race is
    // run three times, each with its own pledge.
    standin.autoDeliver = false;
    try {
        for (let round = 1; round <= 3; round++) {
            const email = `slow.read.${round}@example.org`;
            standin.autoDeliver = true;
            const p = await activePledge(email);
            standin.autoDeliver = false;
            const subPath = `/v1/subscriptions/${p.sub.id}`;
            // The month's invoice is paid; its webhook reaches patron, whose
            // read of the subscription (still active) is slow to come back.
            const renewal = standin.chargeInvoice(p.sub.id, { deliver: false });
            standin.injectFault({ method: 'GET', path: new RegExp(`^${subPath}$`), status: null, holdMs: 1500, count: 1 });
            const since = Date.now();
            const slow = standin.deliver(renewal.events, { maxAttempts: 1 });
            await eventually(() => standin.requests.some((r) => r.method === 'GET' && r.path === subPath && r.at >= since), { message: "patron's read of the subscription" });
            // Meanwhile the donor cancels at Stripe, and that webhook is quick.
            const cancel = standin.cancelSubscription(p.sub.id, { deliver: false });
            // A new connection: one that patron accepts on a thread that is free.
            const [quick] = await standin.deliver(cancel.events, { maxAttempts: 1, fresh: true });
            assert.equal(quick.status, 200, quick.body);
            const [late] = await slow;
            assert.equal(late.status, 200, late.body);
            assert.equal(standin.subscription(p.sub.id).status, 'canceled');
            assert.equal(pledgeRow(patron, p.pledgeId).status, 'cancelled',
                `round ${round}: the ledger went back to an older state of the subscription: Stripe has it canceled, and no later event will correct it`);
        }
    } finally {
        standin.autoDeliver = true;
    }
}));

test('a webhook waiting on a slow Stripe does not stall other readers\' requests', withLog(() => patron, async () => {
    // patron's threads each serve their own connections; which thread takes
    // a connection is the kernel's choice, so the check is made in up to five
    // rounds of sixteen fresh keep-alive connections (as a proxy keeps them).
    const email = 'slow.stripe@example.org';
    const p = await activePledge(email);
    const get = (agent) => new Promise((resolve, reject) => {
        const t = Date.now();
        const req = nodeHttp.get({ host: '127.0.0.1', port: patron.port, path: '/healthz', agent }, (r) => {
            r.resume();
            r.on('end', () => resolve(Date.now() - t));
        });
        req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
        req.on('error', reject);
    });
    for (let round = 1; round <= 5; round++) {
        const agents = Array.from({ length: 16 }, () => new nodeHttp.Agent({ keepAlive: true, maxSockets: 1 }));
        try {
            await Promise.all(agents.map(get));
            standin.injectFault({ method: 'GET', path: new RegExp(`^/v1/subscriptions/${p.sub.id}$`), status: null, holdMs: 2000, count: 1 });
            const slow = standin.deliver(standin.chargeInvoice(p.sub.id, { deliver: false }).events, { fresh: true, maxAttempts: 1 });
            await sleep(300);
            const latencies = await Promise.all(agents.map(get));
            await slow;
            assert.ok(latencies.every((ms) => ms < 1000),
                `round ${round}: GET /healthz took ${JSON.stringify(latencies)} ms on sixteen keep-alive connections while one webhook waited 2 s for Stripe (patron has 4 threads)`);
        } finally {
            for (const a of agents) a.destroy();
        }
    }
}));
