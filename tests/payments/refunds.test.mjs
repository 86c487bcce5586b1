// Refunds and disputes in the books, over HTTP: pledges paid through the
// real support page and the stand-in Stripe's checkout; then refunds
// (partial, twice), a dispute lost, one won and one still open, made at the
// stand-in, whose events are delivered twice and in reverse order (a
// dispute's closing before its opening) and then all again. The books must
// change once: the reversals, the open disputes on the dashboard, and the
// reports' revenue and revenue per 1,000 impressions, read from the
// dashboard's CSV downloads. Then an admin pays one gift back from the
// dashboard (POST with the CSRF token, clicked twice), and its webhook,
// delivered twice, adds nothing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
    addUser, csvObjects, eventually, http, payAndReturn, pledgeRow, signedIn, sqlite, startPatron, startStandin,
    stopClean, support, withLog,
} from '../http/dashboard-lib.mjs';

let standin;
let patron;
let c; // an admin, signed in
const ADMIN = 'books@newsroom.example';
const IMPRESSIONS = 2000;
const pledges = {};

async function pledge(key, amount, frequency) {
    const s = await support(patron, standin, { amount, frequency, campaign: 'demo-2026', variant: 'a' });
    assert.equal(s.status, 303, `POST /support: ${s.status} ${s.body.slice(0, 300)}`);
    await payAndReturn(patron, standin, s.sessionId, { email: `${key}@example.org` });
    pledges[key] = { id: s.pledgeId, sessionId: s.sessionId };
}

/** The charge of a pledge's (first) payment at the stand-in. */
function chargeOf(key) {
    const session = standin.session(pledges[key].sessionId);
    if (session.invoice) return standin.state.invoices.get(session.invoice).charge;
    return standin.state.paymentIntents.get(session.payment_intent).latest_charge;
}
const paymentOf = (key) => {
    const session = standin.session(pledges[key].sessionId);
    return session.invoice ?? session.payment_intent;
};

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    patron = await startPatron({ stripe: standin, seedDemo: true, label: 'refunds', config: { demo_pages: 'true', event_batches_per_minute: '1000', events_per_variant_per_batch: '100' } });
    addUser(patron, ADMIN, 'admin');
    await pledge('partial', '10', 'monthly');
    await pledge('gift', '20', 'one_off');
    await pledge('lost', '8', 'monthly');
    await pledge('won', '6', 'monthly');
    await pledge('open', '5', 'one_off');
    await standin.idle();
    await eventually(() => Object.keys(pledges).every((k) => sqlite(patron.db, `SELECT count(*) AS n FROM payments WHERE pledge_id = '${pledges[k].id}'`)[0].n === 1),
        { message: 'every first payment in the ledger' });
    for (let sent = 0; sent < IMPRESSIONS; sent += 100) {
        const r = await http(patron.base, 'POST', '/v1/events', {
            body: JSON.stringify({ events: Array.from({ length: 100 }, () => ({ kind: 'impression', campaign: 'demo-2026', variant: 'a' })) }),
            headers: { 'Content-Type': 'text/plain', 'X-Client': `reader-${sent}` },
        });
        assert.equal(r.status, 202, `POST /v1/events: ${r.status} ${r.body}`);
    }
    // Counts reach the database in batches, a moment later.
    await eventually(() => sqlite(patron.db, "SELECT coalesce(sum(count), 0) AS n FROM event_counts WHERE kind = 'impression'")[0].n === IMPRESSIONS,
        { timeoutMs: 20_000, message: 'the impressions counted' });
    c = await signedIn(patron, ADMIN, undefined, '/dashboard/donors');
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
});

const t = (name, fn) => test(name, { timeout: 90_000 }, withLog(() => patron, fn));

const today = () => new Date().toISOString().slice(0, 10);

/** The numbers the reports show now: today's revenue, and demo-2026/a's
 * first-month revenue and revenue per 1,000 impressions (minor units). */
async function books() {
    const query = `?from=${today()}&to=${today()}&currency=USD`;
    const daily = await c.get(`/dashboard/reports/daily.csv${query}`);
    assert.equal(daily.status, 200, daily.body.slice(0, 300));
    const funnel = await c.get(`/dashboard/reports/funnel.csv${query}&campaign=demo-2026`);
    assert.equal(funnel.status, 200, funnel.body.slice(0, 300));
    const day = csvObjects(daily.body).find((r) => r.date === today() || r.day === today());
    const row = csvObjects(funnel.body).find((r) => r.campaign === 'demo-2026' && r.variant === 'a');
    assert.ok(day && row, `the report rows:\n${daily.body}\n${funnel.body}`);
    const minor = (text) => Math.round(Number(text) * 100);
    return { revenue: minor(day.revenue), firstMonth: minor(row.first_month_revenue), rpm: minor(row.rpm), impressions: Number(row.impressions) };
}

const returned = (key) => sqlite(patron.db, `SELECT coalesce(sum(amount_minor), 0) AS n FROM payment_reversals WHERE pledge_id = '${pledges[key].id}'`)[0].n;

t('refunds and disputes, replayed twice and out of order, change the books once', async () => {
    const before = await books();
    assert.equal(before.revenue, 1000 + 2000 + 800 + 600 + 500);
    assert.equal(before.firstMonth, before.revenue);
    assert.equal(before.impressions, IMPRESSIONS);
    assert.equal(before.rpm, Math.round(before.firstMonth * 1000 / IMPRESSIONS));

    standin.autoDeliver = false;
    const events = [];
    const push = (r) => events.push(...r.events);
    push(standin.refundCharge(chargeOf('partial'), { amount: 300, deliver: false }));
    push(standin.refundCharge(chargeOf('partial'), { amount: 200, deliver: false }));
    const lost = standin.openDispute(chargeOf('lost'), { deliver: false });
    push(lost);
    push(standin.closeDispute(lost.dispute.id, { won: false, deliver: false }));
    const won = standin.openDispute(chargeOf('won'), { deliver: false });
    push(won);
    push(standin.closeDispute(won.dispute.id, { won: true, deliver: false }));
    push(standin.openDispute(chargeOf('open'), { deliver: false }));

    const first = await standin.deliver(events, { duplicates: 1, reverse: true });
    assert.ok(first.every((r) => r.status >= 200 && r.status < 300), JSON.stringify(first.map((r) => r.status)));
    const snapshot = () => sqlite(patron.db, 'SELECT id, payment_id, kind, amount_minor FROM payment_reversals ORDER BY id');
    const once = snapshot();
    const again = await standin.deliver(events, { shuffle: true });
    assert.ok(again.every((r) => r.status >= 200 && r.status < 300));
    assert.deepEqual(snapshot(), once, 'a replay changes nothing');

    assert.equal(returned('partial'), 500, 'two partial refunds add up');
    assert.equal(returned('lost'), 800, 'a lost dispute takes the money');
    assert.equal(returned('won'), 0, 'a won dispute gives it back');
    assert.equal(returned('open'), 500, 'an open dispute holds the money');
    assert.equal(returned('gift'), 0);
    assert.equal(once.length, 2 + 1 + 2 + 1);
    const disputes = sqlite(patron.db, 'SELECT pledge_id, status, open FROM payment_disputes ORDER BY status');
    assert.deepEqual(disputes.map((d) => [d.status, d.open]), [['lost', 0], ['needs_response', 1], ['won', 0]]);
    const history = sqlite(patron.db, `SELECT note FROM pledge_history WHERE pledge_id = '${pledges.partial.id}' AND note LIKE 'refunded%'`).map((r) => r.note).sort();
    assert.deepEqual(history, ['refunded 2.00 USD', 'refunded 3.00 USD'], 'one history line per refund');

    const after = await books();
    const back = 500 + 800 + 0 + 500;
    assert.equal(after.revenue, before.revenue - back, 'the day\'s revenue is net of what came back');
    assert.equal(after.firstMonth, before.firstMonth - back, 'so is the funnel\'s first-month revenue');
    assert.equal(after.rpm, Math.round(after.firstMonth * 1000 / IMPRESSIONS), 'and its revenue per 1,000 impressions');

    // The open dispute is listed for admins, linked to its pledge; the closed ones are not.
    const page = await c.get('/dashboard/donors');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h2 id="disputes">Open disputes<\/h2>/);
    assert.ok(page.body.includes(`/dashboard/donors/pledge/${pledges.open.id}"`), 'the open dispute links its pledge');
    assert.ok(!page.body.includes(`/dashboard/donors/pledge/${pledges.lost.id}"`), 'a lost dispute is not open');
    assert.ok(!page.body.includes(`/dashboard/donors/pledge/${pledges.won.id}"`), 'a won dispute is not open');
    assert.match(page.body, /needs_response/);
});

t('an admin pays a gift back from the dashboard once, however often it is clicked or told', async () => {
    const path = `/dashboard/donors/pledge/${pledges.gift.id}`;
    const page = await c.get(path);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`<form method="post" action="${path}/refund"`));
    const refundsAsked = () => standin.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.status === 200).length;

    // No CSRF token: refused before anything happens.
    const forged = await c.post(`${path}/refund`, { payment: paymentOf('gift'), amount: '20', confirm: 'yes' }, { csrf: null });
    assert.notEqual(forged.status, 200);
    assert.equal(refundsAsked(), 0);
    // A GET changes nothing.
    assert.notEqual((await c.get(`${path}/refund`)).status, 200);
    assert.equal(refundsAsked(), 0);

    const paid = await c.post(`${path}/refund`, { payment: paymentOf('gift'), amount: '20', confirm: 'yes' });
    assert.equal(paid.status, 200, paid.body.slice(0, 500));
    assert.match(paid.body, /Paid back/);
    assert.equal(refundsAsked(), 1);
    const request = standin.requests.find((r) => r.method === 'POST' && r.path === '/v1/refunds');
    assert.equal(request.params.payment_intent, paymentOf('gift'));
    assert.equal(request.params.amount, '2000');
    assert.match(request.idempotencyKey, /^patron-refund-pi_/);
    assert.equal(returned('gift'), 2000);

    // Clicked again: nothing is left to pay back; the processor is not asked.
    const twice = await c.post(`${path}/refund`, { payment: paymentOf('gift'), amount: '20', confirm: 'yes' });
    assert.equal(twice.status, 422);
    assert.match(twice.body, /Nothing was paid back/);
    assert.equal(refundsAsked(), 1);

    // The refund's own webhook, twice: the books already hold it.
    await standin.idle();
    const told = [...standin.state.events.values()].filter((e) => e.type === 'charge.refunded' && e.data.object.id === chargeOf('gift'));
    assert.equal(told.length, 1);
    await standin.deliver(told, { duplicates: 1 });
    assert.equal(returned('gift'), 2000, 'the webhook adds nothing to the dashboard\'s refund');
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM payment_reversals WHERE pledge_id = '${pledges.gift.id}'`)[0].n, 1);

    // The audit log has the refund, and not the donor's address.
    const audit = await c.get('/dashboard/audit.csv');
    assert.match(audit.body, /payment_refunded/);
    assert.ok(!audit.body.includes('gift@example.org'), 'the audit log never names the donor');
});
