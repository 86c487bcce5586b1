// Erasure by default and on the donor's own request (issue 14): every donor
// email carries an "erase my data" link whose GET changes nothing and whose
// POST cancels running pledges, then erases the address, the processor's
// customer id and the address's reminders (checked by scanning the SQLite
// file and its write-ahead log for the address and for the sealed bytes
// read before); a late webhook brings nothing back. A one-off gift's
// address goes once its receipt is sent, a cancelled pledge's once its
// cancellation email is sent, or keep_cancelled_days later. Real SQLite,
// real SMTP on loopback, the stand-in Stripe, the real binary.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import {
    eventually, http, payAndReturn, pledgeRow, sqlite, startPatron, startSmtp, startStandin, stopClean, support, withLog,
} from './lib.mjs';
import { manageLink } from '../stripe/mail.mjs';

let standin;
let smtp;
let patron;
let keeping; // a second patron: keep_cancelled_days = 30, one-off erasure off

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, seedDemo: true, label: 'erasure' });
});

after(async () => {
    await stopClean(patron);
    await stopClean(keeping);
    await standin?.close();
    await smtp?.close();
});

const t = (name, fn) => test(name, { timeout: 120_000 }, withLog(() => keeping ?? patron, fn));

/** hex() of SQL NULL is '' in SQLite. */
const gone = (value) => value === '' || value === null;

const to = (address) => (m) => m.envelope.to.includes(address);

/** The erase link in a message (its /erase?t=... address). */
function eraseLink(message) {
    const m = /https?:\/\/[^\s"<>]+\/erase\?t=[A-Za-z0-9_\-]+/.exec(`${message.text ?? ''}\n${message.html ?? ''}`);
    return m ? m[0] : null;
}

/** A pledge paid at the stand-in by address; resolves once it is active (or completed). */
async function paidPledge(server, { amount = '6', frequency = 'monthly', email }) {
    const s = await support(server, standin, { amount, frequency, campaign: 'demo-2026' });
    assert.equal(s.status, 303, `POST /support: ${s.status} ${s.body.slice(0, 300)}`);
    await payAndReturn(server, standin, s.sessionId, { email });
    await standin.idle();
    const want = frequency === 'one_off' ? 'completed' : 'active';
    await eventually(() => pledgeRow(server, s.pledgeId)?.status === want, { message: `the pledge to be ${want}` });
    return s;
}

/** The database file and its write-ahead log, as bytes. */
function databaseBytes(server) {
    const parts = [fs.readFileSync(server.db)];
    for (const suffix of ['-wal', '-journal']) {
        if (fs.existsSync(server.db + suffix)) parts.push(fs.readFileSync(server.db + suffix));
    }
    return Buffer.concat(parts);
}

function assertAbsent(bytes, needle, what) {
    assert.equal(bytes.indexOf(needle), -1, `${what} is still in the database file or its log`);
}

/** A history row's notes for a pledge. */
const notes = (server, id) => sqlite(server.db, `SELECT note FROM pledge_history WHERE pledge_id = '${id}' ORDER BY rowid`).map((r) => r.note);

t('the erase link: its GET changes nothing, its POST cancels and erases the address, customer id and reminders, and nothing brings them back', async () => {
    const DONOR = 'erase.link@example.org';
    const s = await paidPledge(patron, { amount: '6', email: DONOR });
    const reminder = await http(patron.base, 'POST', '/v1/reminders', {
        body: JSON.stringify({ email: DONOR, language: 'en', campaign: 'demo-2026', variant: 'a' }),
        headers: { 'Content-Type': 'application/json' },
    });
    assert.ok([200, 201].includes(reminder.status), `POST /v1/reminders: ${reminder.status} ${reminder.body}`);
    const [thanks] = await smtp.waitFor((m) => to(DONOR)(m) && /Thank you/i.test(m.subject));
    const link = eraseLink(thanks);
    assert.ok(link, `the thank-you email carries an erase link:\n${thanks.text}`);
    assert.ok(manageLink(thanks), 'and still its manage link');

    const before = pledgeRow(patron, s.pledgeId);
    assert.ok(before.sealed && before.customer_id && before.hash, 'the pledge holds a sealed address and a customer id');
    const reminderRows = sqlite(patron.db, `SELECT hex(email_sealed) AS sealed FROM reminders WHERE hex(email_hash) = '${before.hash}'`);
    assert.equal(reminderRows.length, 1, 'the address has a reminder');

    // A mail scanner opens the link: the page says what would happen, and nothing happens.
    const path = link.slice(patron.base.length);
    for (let i = 0; i < 2; i++) {
        const get = await http(patron.base, 'GET', path);
        assert.equal(get.status, 200, get.body.slice(0, 300));
        assert.match(get.body, /will be cancelled first/);
        assert.match(get.body, new RegExp(`data-pledge="${s.pledgeId}"`), 'the running pledge is listed');
        assert.match(get.body, /<form method="post" action="\/erase">/);
        assert.match(get.body, /Cancel my pledges and erase my data/);
    }
    assert.deepEqual(pledgeRow(patron, s.pledgeId), before, 'a GET changed the pledge');
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM reminders WHERE hex(email_hash) = '${before.hash}'`)[0].n, 1);
    assert.equal(standin.state.subscriptions.get(before.subscription_id).status, 'active');

    const post = await http(patron.base, 'POST', '/erase', { form: { t: new URL(link).searchParams.get('t') } });
    assert.equal(post.status, 200, post.body.slice(0, 400));
    assert.match(post.body, /Your data is erased/);
    await standin.idle();
    const after = pledgeRow(patron, s.pledgeId);
    assert.equal(after.status, 'cancelled', 'the running pledge was cancelled first');
    assert.equal(standin.state.subscriptions.get(before.subscription_id).status, 'canceled', 'at the processor too');
    assert.ok(gone(after.sealed), 'the sealed address is gone');
    assert.ok(gone(after.hash), 'the keyed hash is gone');
    assert.equal(after.customer_id, '');
    assert.ok(standin.state.deletedCustomers.has(before.customer_id) && !standin.state.customers.has(before.customer_id),
        'the customer is deleted at Stripe too');
    assert.equal(after.subscription_id, before.subscription_id, 'the subscription id stays, to recognise late events');
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM reminders WHERE hex(email_hash) = '${before.hash}'`)[0].n, 0, 'the reminder is gone');
    assert.ok(sqlite(patron.db, 'SELECT count(*) AS n FROM payments')[0].n >= 1, 'the books stay');
    const audit = sqlite(patron.db, "SELECT action, detail FROM audit_log WHERE action = 'donor_erased'");
    assert.equal(audit.length, 1, 'the audit log records that an erasure happened');
    assert.ok(!audit[0].detail.includes(DONOR) && !audit[0].detail.includes(s.pledgeId) && !audit[0].detail.includes(before.customer_id), `and not whose: ${audit[0].detail}`);

    // Plaintext and ciphertext: neither the address nor the sealed bytes read
    // before, nor the customer id, are left in the file or its log.
    const scan = () => {
        const bytes = databaseBytes(patron);
        assertAbsent(bytes, Buffer.from(DONOR), 'the address');
        assertAbsent(bytes, Buffer.from(before.sealed, 'hex'), "the pledge's sealed address");
        assertAbsent(bytes, Buffer.from(reminderRows[0].sealed, 'hex'), "the reminder's sealed address");
        assertAbsent(bytes, Buffer.from(before.hash, 'hex'), "the address's keyed hash");
        assertAbsent(bytes, Buffer.from(before.customer_id), 'the customer id');
    };
    scan();

    // Late webhooks, replayed under new ids so that they are applied: the
    // checkout (which names the address and the customer) and the
    // subscription (which names the customer).
    const events = [...standin.state.events.values()];
    const completed = events.find((e) => e.type === 'checkout.session.completed' && e.data.object.id === s.sessionId);
    const updated = events.find((e) => e.type.startsWith('customer.subscription.') && e.data.object.id === before.subscription_id);
    assert.ok(completed && updated, 'the stand-in sent both kinds of event');
    const replays = [completed, updated, completed].map((e, i) => ({ ...e, id: `${e.id}_late${i}` }));
    for (const r of await standin.deliver(replays)) assert.equal(r.status, 200, JSON.stringify(r));
    const replayed = pledgeRow(patron, s.pledgeId);
    assert.ok(gone(replayed.sealed), 'a late webhook brought the address back');
    assert.equal(replayed.customer_id, '', 'a late webhook brought the customer id back');

    // The manage link opens (the pledge is there) and writes nothing back;
    // the erase link has nothing left to erase.
    const manage = await http(patron.base, 'GET', manageLink(thanks).slice(patron.base.length));
    assert.equal(manage.status, 200);
    const again = await http(patron.base, 'POST', '/erase', { form: { t: new URL(link).searchParams.get('t') } });
    assert.equal(again.status, 200);
    assert.match(again.body, /nothing left to erase/);
    assert.deepEqual(pledgeRow(patron, s.pledgeId), replayed);
    scan();
});

t('an erase link that was tampered with, or none, is refused and changes nothing', async () => {
    for (const path of ['/erase', '/erase?t=', '/erase?t=AAAA', '/erase?t=' + 'A'.repeat(70)]) {
        const r = await http(patron.base, 'GET', path);
        assert.equal(r.status, 403, `${path}: ${r.status}`);
        const p = await http(patron.base, 'POST', '/erase', { form: { t: new URL(patron.base + path).searchParams.get('t') ?? '' } });
        assert.equal(p.status, 403, `POST ${path}: ${p.status}`);
    }
    // A manage link's token is not an erase link's.
    const DONOR = 'not.erased@example.org';
    const s = await paidPledge(patron, { amount: '4', email: DONOR });
    const [thanks] = await smtp.waitFor((m) => to(DONOR)(m) && /Thank you/i.test(m.subject));
    const manageToken = new URL(manageLink(thanks)).searchParams.get('t');
    const r = await http(patron.base, 'POST', '/erase', { form: { t: manageToken } });
    assert.equal(r.status, 403);
    assert.ok(pledgeRow(patron, s.pledgeId).sealed, 'the address stays');
});

t("a one-off gift's address is erased once its receipt is sent", async () => {
    const DONOR = 'one.off@example.org';
    const s = await paidPledge(patron, { amount: '10', frequency: 'one_off', email: DONOR });
    const before = pledgeRow(patron, s.pledgeId);
    const [receipt] = await smtp.waitFor((m) => to(DONOR)(m) && /receipt/i.test(m.subject));
    assert.ok(eraseLink(receipt), 'the receipt carries an erase link');
    await eventually(() => pledgeRow(patron, s.pledgeId)?.sealed === '', { message: "the gift's address to be erased" });
    const row = pledgeRow(patron, s.pledgeId);
    assert.equal(row.customer_id, '');
    assert.equal(row.status, 'completed');
    assert.ok(notes(patron, s.pledgeId).includes("address erased: the gift's receipt was sent"));
    const bytes = databaseBytes(patron);
    assertAbsent(bytes, Buffer.from(DONOR), 'the address');
    assertAbsent(bytes, Buffer.from(before.sealed, 'hex'), 'the sealed address');
});

t("a cancelled pledge's address is erased once its cancellation email is sent", async () => {
    const DONOR = 'cancels@example.org';
    const s = await paidPledge(patron, { amount: '5', email: DONOR });
    const [thanks] = await smtp.waitFor((m) => to(DONOR)(m) && /Thank you/i.test(m.subject));
    const token = new URL(manageLink(thanks)).searchParams.get('t');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(pledgeRow(patron, s.pledgeId).sealed, 'a running pledge keeps its address');
    const cancel = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'cancel' } });
    assert.equal(cancel.status, 200, cancel.body.slice(0, 300));
    await smtp.waitFor((m) => to(DONOR)(m) && /cancel/i.test(m.subject));
    await eventually(() => pledgeRow(patron, s.pledgeId)?.sealed === '', { message: "the cancelled pledge's address to be erased" });
    assert.equal(pledgeRow(patron, s.pledgeId).customer_id, '');
    assert.ok(notes(patron, s.pledgeId).includes('address erased: the pledge was cancelled'));
    assertAbsent(databaseBytes(patron), Buffer.from(DONOR), 'the address');
});

t('with keep_cancelled_days = 30 the address stays 30 days; with erase_one_off_after_receipt = no a gift keeps it', async () => {
    await stopClean(patron);
    patron = null;
    keeping = await startPatron({
        stripe: standin, smtp, seedDemo: true, label: 'erasure-keep',
        config: { keep_cancelled_days: '30', erase_one_off_after_receipt: 'no' },
    });
    const GIFT = 'keeps.gift@example.org';
    const DONOR = 'keeps.cancelled@example.org';
    const gift = await paidPledge(keeping, { amount: '10', frequency: 'one_off', email: GIFT });
    const s = await paidPledge(keeping, { amount: '5', email: DONOR });
    const [thanks] = await smtp.waitFor((m) => to(DONOR)(m) && /Thank you/i.test(m.subject));
    await smtp.waitFor((m) => to(GIFT)(m) && /receipt/i.test(m.subject));
    const token = new URL(manageLink(thanks)).searchParams.get('t');
    const cancel = await http(keeping.base, 'POST', '/manage', { form: { t: token, action: 'cancel' } });
    assert.equal(cancel.status, 200);
    await smtp.waitFor((m) => to(DONOR)(m) && /cancel/i.test(m.subject));
    // The outbox looks every five seconds: two rounds at least.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    assert.ok(pledgeRow(keeping, s.pledgeId).sealed, 'erased before its 30 days');
    assert.ok(pledgeRow(keeping, gift.pledgeId).sealed, 'a gift erased with erasure off');

    // 29 days on, still kept; 31 days on, gone (the gift's stays: erasure is off).
    await keeping.restart({ PATRON_CLOCK_OFFSET: String(29 * 86400) });
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    assert.ok(pledgeRow(keeping, s.pledgeId).sealed, 'erased on day 29');
    await keeping.restart({ PATRON_CLOCK_OFFSET: String(31 * 86400) });
    await eventually(() => pledgeRow(keeping, s.pledgeId)?.sealed === '', { timeoutMs: 15_000, message: 'the address to be erased after 30 days' });
    assert.ok(pledgeRow(keeping, gift.pledgeId).sealed, "the gift's address stays with erasure off");
});
