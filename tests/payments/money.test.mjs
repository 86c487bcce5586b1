// The money path, end to end over HTTP: the support form, the stand-in's
// checkout, the thank-you page, the ledger, the donor's emails and the
// manage page (amount, pause, resume, card, cancel).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
    eventually, http, manageLink, payAndReturn, pledgeRow, sqlite, startPatron, startSmtp, startStandin, support, stopClean, withLog,
} from './lib.mjs';

let standin;
let smtp;
let patron;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, label: 'money' });
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

const to = (address) => (m) => m.envelope.to.includes(address);
const subjectIs = (re) => (m) => re.test(m.subject);
const history = (pledgeId) => sqlite(patron.db, `SELECT rowid, pledge_id, at, status, amount_minor, note FROM pledge_history WHERE pledge_id = '${pledgeId}' ORDER BY rowid`);
const lastRequest = (method, pathRe) => [...standin.requests].reverse().find((r) => r.method === method && pathRe.test(r.path));

/** A monthly pledge through the whole flow; returns what the steps saw. */
async function pledgeThroughCheckout({ amount = '2', frequency = 'monthly', email }) {
    const s = await support(patron, standin, { amount, frequency });
    assert.equal(s.status, 303, `POST /support answered ${s.status}: ${s.body.slice(0, 400)}`);
    assert.ok(s.pledgeId, `no pledge id in the checkout session's metadata (Location ${s.location})`);
    const done = await payAndReturn(patron, standin, s.sessionId, { email });
    await standin.idle();
    return { ...s, ...done };
}

async function manageUrlFor(email) {
    const [thanks] = await smtp.waitFor((m) => to(email)(m) && subjectIs(/^Thank you for your support/)(m));
    const link = manageLink(thanks);
    assert.ok(link, `no manage link in the thank-you email:\n${thanks.text}`);
    return link;
}

async function manage(link, fields) {
    const token = new URL(link).searchParams.get('t');
    return http(patron.base, 'POST', '/manage', { form: { t: token, ...fields } });
}

test('$2 a month: checkout, thanks page, ledger, sealed address, two emails', withLog(() => patron, async () => {
    const email = 'Reader.One@Example.org';
    const s = await support(patron, standin, { amount: '2' });
    assert.equal(s.status, 303, s.body);
    assert.ok(s.location.startsWith(`${standin.url}/pay/cs_test_`), s.location);
    assert.equal(pledgeRow(patron, s.pledgeId).status, 'pending');

    // What patron asked Stripe for.
    const create = lastRequest('POST', /^\/v1\/checkout\/sessions$/);
    assert.match(create.authorization, /^Bearer sk_test_/);
    assert.equal(create.version, '2024-06-20');
    assert.equal(create.idempotencyKey, `patron-checkout-${s.pledgeId}`);
    assert.equal(create.params.mode, 'subscription');
    assert.equal(create.params.metadata.pledge_id, s.pledgeId);
    assert.equal(create.params.subscription_data.metadata.pledge_id, s.pledgeId);
    assert.equal(create.params.line_items[0].price_data.currency, 'usd');
    assert.equal(create.params.line_items[0].price_data.recurring.interval, 'month');
    assert.equal(Number(create.params.line_items[0].price_data.unit_amount) * Number(create.params.line_items[0].quantity), 200);
    assert.ok(create.params.success_url.includes('{CHECKOUT_SESSION_ID}'), create.params.success_url);

    // The stand-in's page, Pay, and back to patron's thank-you page.
    const page = await http(standin.url, 'GET', `/pay/${s.sessionId}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /2\.00 USD per month/);
    const { pay, thanks } = await payAndReturn(patron, standin, s.sessionId, { email });
    assert.equal(pay.location, `${patron.base}/thanks?pledge=${s.pledgeId}&session=${s.sessionId}`);
    assert.equal(thanks.status, 200);
    assert.match(thanks.body, /data-status="active"/);
    assert.match(thanks.body, /\$2/);
    assert.match(thanks.body, /<script src="\/thanks\.js"><\/script>/);
    await standin.idle();

    const row = pledgeRow(patron, s.pledgeId);
    const sub = [...standin.state.subscriptions.values()].find((x) => x.metadata.pledge_id === s.pledgeId);
    assert.ok(sub, 'the stand-in has no subscription for the pledge');
    assert.equal(row.status, 'active');
    assert.equal(row.amount_minor, 200);
    assert.equal(row.subscription_id, sub.id);
    assert.equal(row.customer_id, sub.customer);
    assert.ok(row.sealed_length > 0, 'no sealed address');
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM payments WHERE pledge_id = '${s.pledgeId}'`)[0].n, 1);

    // The address is stored sealed: not in the database files in any case.
    for (const name of fs.readdirSync(path.dirname(patron.db))) {
        const bytes = fs.readFileSync(path.join(path.dirname(patron.db), name));
        for (const form of [email, email.toLowerCase(), 'reader.one']) {
            assert.equal(bytes.indexOf(Buffer.from(form)), -1, `${form} appears in ${name}`);
        }
    }

    const mine = await smtp.waitFor(to(email.toLowerCase()), { count: 2 });
    const subjects = mine.map((m) => m.subject).sort();
    assert.deepEqual(subjects, ['Thank you for your support — The Stand-in Times', 'Your receipt — The Stand-in Times']);
    for (const m of mine) {
        const link = manageLink(m);
        assert.ok(link && link.startsWith(`${patron.base}/manage?t=`), `no manage link in "${m.subject}"`);
        assert.match(m.text, /\$2 a month/);
        assert.match(m.html, /href="http:\/\/127\.0\.0\.1:\d+\/manage\?t=/);
    }
}));

test('the manage page: $2 → $5 at Stripe and in an appended history row; pause; resume', withLog(() => patron, async () => {
    const email = 'reader.two@example.org';
    const p = await pledgeThroughCheckout({ email });
    const link = await manageUrlFor(email);
    const page = await http(patron.base, 'GET', link.slice(patron.base.length));
    assert.equal(page.status, 200);
    assert.match(page.body, /data-status="active"/);
    assert.match(page.body, /name="amount"[^>]*value="2"/);

    const historyBefore = history(p.pledgeId);
    const r = await manage(link, { action: 'amount', amount: '5' });
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /\$5/);
    const sub = [...standin.state.subscriptions.values()].find((x) => x.metadata.pledge_id === p.pledgeId);
    assert.equal(sub.items.data[0].quantity * sub.items.data[0].price.unit_amount, 500, 'the stand-in subscription is not $5');
    const update = lastRequest('POST', new RegExp(`^/v1/subscriptions/${sub.id}$`));
    assert.equal(update.params.items[0].id, sub.items.data[0].id);
    assert.equal(update.params.items[0].quantity, '500');
    assert.equal(update.params.proration_behavior, 'none');
    assert.ok(update.idempotencyKey, 'no Idempotency-Key on the amount change');
    assert.equal(pledgeRow(patron, p.pledgeId).amount_minor, 500);
    await standin.idle();
    const historyAfter = history(p.pledgeId);
    assert.deepEqual(historyAfter.slice(0, historyBefore.length), historyBefore, 'earlier history rows changed');
    assert.equal(historyAfter.length, historyBefore.length + 1, `one row appended: ${JSON.stringify(historyAfter)}`);
    assert.equal(historyAfter.at(-1).amount_minor, 500);
    // The append-only rule is the database's, not only the code's.
    const triggers = sqlite(patron.db, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'pledge_history'").map((x) => x.name).sort();
    assert.deepEqual(triggers, ['pledge_history_is_append_only_delete', 'pledge_history_is_append_only_update']);

    const paused = await manage(link, { action: 'pause' });
    assert.equal(paused.status, 200, paused.body);
    assert.deepEqual(standin.subscription(sub.id).pause_collection, { behavior: 'void', resumes_at: null });
    assert.equal(pledgeRow(patron, p.pledgeId).status, 'paused');
    assert.match(paused.body, /value="resume"/);
    await standin.idle();
    assert.equal(pledgeRow(patron, p.pledgeId).status, 'paused', 'the customer.subscription.updated webhook changed the paused pledge');

    const resumed = await manage(link, { action: 'resume' });
    assert.equal(resumed.status, 200, resumed.body);
    assert.equal(standin.subscription(sub.id).pause_collection, null);
    assert.equal(pledgeRow(patron, p.pledgeId).status, 'active');
    await standin.idle();
    assert.equal(pledgeRow(patron, p.pledgeId).status, 'active');
    const final = history(p.pledgeId);
    assert.deepEqual(final.slice(0, historyAfter.length), historyAfter, 'earlier history rows changed');
    assert.deepEqual(final.slice(historyAfter.length).map((h) => h.status), ['paused', 'active']);
}));

test('cancel needs a confirmation; then Stripe and the ledger agree and one cancellation email comes', withLog(() => patron, async () => {
    const email = 'reader.three@example.org';
    const p = await pledgeThroughCheckout({ email });
    const link = await manageUrlFor(email);
    const sub = [...standin.state.subscriptions.values()].find((x) => x.metadata.pledge_id === p.pledgeId);

    const confirm = await manage(link, { action: 'cancel_confirm' });
    assert.equal(confirm.status, 200, confirm.body);
    assert.match(confirm.body, /value="cancel"/);
    assert.match(confirm.body, /No, keep it/);
    assert.equal(standin.subscription(sub.id).status, 'active', 'asking for confirmation cancelled');
    assert.equal(pledgeRow(patron, p.pledgeId).status, 'active');

    const done = await manage(link, { action: 'cancel' });
    assert.equal(done.status, 200, done.body);
    assert.match(done.body, /data-status="cancelled"/);
    assert.equal(standin.subscription(sub.id).status, 'canceled');
    assert.equal(pledgeRow(patron, p.pledgeId).status, 'cancelled');
    const del = lastRequest('DELETE', new RegExp(`^/v1/subscriptions/${sub.id}$`));
    assert.ok(del, 'patron did not DELETE the subscription');

    // Stripe's customer.subscription.deleted comes too, and once more.
    await standin.idle();
    const deleted = [...standin.state.events.values()].filter((e) => e.type === 'customer.subscription.deleted' && e.data.object.id === sub.id);
    assert.equal(deleted.length, 1);
    const again = await standin.deliver(deleted, { duplicates: 1 });
    assert.ok(again.every((x) => x.status === 200), JSON.stringify(again));
    await smtp.waitFor((m) => to(email)(m) && subjectIs(/^Your support is cancelled/)(m));
    await new Promise((resolve) => setTimeout(resolve, 6000)); // longer than the outbox's 5 s sweep
    assert.equal(smtp.messages.filter((m) => to(email)(m) && subjectIs(/^Your support is cancelled/)(m)).length, 1);

    // Nothing more can be done to a cancelled pledge.
    const page = await http(patron.base, 'GET', link.slice(patron.base.length));
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /value="pause"|value="amount"/);
    const late = await manage(link, { action: 'amount', amount: '7' });
    assert.equal(late.status, 409);
    assert.equal(pledgeRow(patron, p.pledgeId).amount_minor, 200);
}));

test('update your card: a 303 to the processor portal, which links back to the manage page', withLog(() => patron, async () => {
    const email = 'reader.card@example.org';
    await pledgeThroughCheckout({ email });
    const link = await manageUrlFor(email);
    const r = await manage(link, { action: 'card' });
    assert.equal(r.status, 303, r.body);
    assert.ok(r.location.startsWith(`${standin.url}/portal/`), r.location);
    const portal = await http(standin.url, 'GET', r.location.slice(standin.url.length));
    const back = /id="return" href="([^"]+)"/.exec(portal.body)?.[1]?.replace(/&amp;/g, '&');
    assert.equal(back, link);
}));

test('a change made at Stripe (the portal) reaches the ledger through its webhook', withLog(() => patron, async () => {
    const email = 'reader.portal@example.org';
    const p = await pledgeThroughCheckout({ email });
    const sub = [...standin.state.subscriptions.values()].find((x) => x.metadata.pledge_id === p.pledgeId);
    const changed = standin.changeSubscription(sub.id, { quantity: 1200 });
    await changed.delivered;
    assert.equal(pledgeRow(patron, p.pledgeId).amount_minor, 1200);
    const cancelled = standin.cancelSubscription(sub.id);
    await cancelled.delivered;
    assert.equal(pledgeRow(patron, p.pledgeId).status, 'cancelled');
    await smtp.waitFor((m) => to(email)(m) && subjectIs(/^Your support is cancelled/)(m));
}));

test('one-off $1: paid at checkout, completed, one payment', withLog(() => patron, async () => {
    const email = 'once@example.org';
    const s = await support(patron, standin, { amount: '1', frequency: 'one_off' });
    assert.equal(s.status, 303, s.body);
    const create = lastRequest('POST', /^\/v1\/checkout\/sessions$/);
    assert.equal(create.params.mode, 'payment');
    assert.equal(create.params.line_items[0].price_data.recurring, undefined);
    assert.equal(create.params.payment_intent_data.metadata.pledge_id, s.pledgeId);
    const { thanks } = await payAndReturn(patron, standin, s.sessionId, { email });
    assert.equal(thanks.status, 200);
    assert.match(thanks.body, /data-status="completed"/);
    await standin.idle();
    const row = pledgeRow(patron, s.pledgeId);
    assert.equal(row.status, 'completed');
    assert.equal(row.subscription_id, '');
    const payments = sqlite(patron.db, `SELECT id, amount_minor, currency FROM payments WHERE pledge_id = '${s.pledgeId}'`);
    const pi = standin.session(s.sessionId).payment_intent;
    assert.deepEqual(payments, [{ id: pi, amount_minor: 100, currency: 'USD' }]);
    const mine = await smtp.waitFor(to(email), { count: 2 });
    assert.deepEqual(mine.map((m) => m.subject.split(' — ')[0]).sort(), ['Thank you for your support', 'Your receipt']);
    // A one-off has nothing to manage.
    const page = await http(patron.base, 'GET', manageLink(mine[0]).slice(patron.base.length));
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /value="cancel_confirm"/);
}));

test('the checkout is created once per pledge however often Stripe is asked (Idempotency-Key)', withLog(() => patron, async () => {
    const s = await support(patron, standin, { amount: '4' });
    assert.equal(s.status, 303);
    const sessions = [...standin.state.sessions.values()].filter((x) => x.metadata.pledge_id === s.pledgeId);
    assert.equal(sessions.length, 1);
    assert.equal(pledgeRow(patron, s.pledgeId).checkout_id, sessions[0].id);
}));

test('yen (no minor unit), euros yearly, and a Russian donor: what Stripe is asked and what the donor reads', withLog(() => patron, async () => {
    const yen = await support(patron, standin, { amount: '500', currency: 'JPY' });
    assert.equal(yen.status, 303, yen.body);
    const ySession = standin.session(yen.sessionId);
    assert.deepEqual([ySession.currency, ySession.amount_total], ['jpy', 500]);
    await payAndReturn(patron, standin, yen.sessionId, { email: 'yen@example.org' });
    await standin.idle();
    assert.deepEqual([pledgeRow(patron, yen.pledgeId).amount_minor, pledgeRow(patron, yen.pledgeId).currency], [500, 'JPY']);
    const [yenMail] = await smtp.waitFor((m) => to('yen@example.org')(m) && subjectIs(/^Thank you/)(m));
    assert.match(yenMail.text, /(¥\s?500|500\s?¥) a month/);

    const euro = await support(patron, standin, { amount: '24', currency: 'EUR', frequency: 'annual' });
    assert.equal(euro.status, 303, euro.body);
    const create = lastRequest('POST', /^\/v1\/checkout\/sessions$/);
    assert.equal(create.params.line_items[0].price_data.recurring.interval, 'year');
    assert.equal(standin.session(euro.sessionId).amount_total, 2400);

    const ru = await support(patron, standin, { amount: '3', lang: 'ru' });
    assert.equal(ru.status, 303, ru.body);
    assert.equal(standin.session(ru.sessionId).locale, 'ru');
    const { thanks } = await payAndReturn(patron, standin, ru.sessionId, { email: 'ru@example.org' });
    assert.match(thanks.body, /lang="ru"/);
    assert.match(thanks.body, /Спасибо/);
    const [ruMail] = await smtp.waitFor((m) => to('ru@example.org')(m) && subjectIs(/^Спасибо за поддержку/)(m));
    assert.match(ruMail.text, /в месяц/);
}));
