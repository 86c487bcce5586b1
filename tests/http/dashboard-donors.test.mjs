// Donors in the dashboard (admin only): a pledge made through the real
// support page and the stand-in Stripe's checkout is found by its address,
// exported as JSON, cancelled, and erased so that the address is gone from
// the database file's bytes; each action is in the audit log, which never
// names the address.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import {
    addUser, csvObjects, eventually, http, payAndReturn, pledgeRow, signedIn, sqlite, startPatron, startStandin,
    stopClean, support, textOf, withLog,
} from './dashboard-lib.mjs';

let standin;
let patron;
let c; // the admin, signed in
const ADMIN = 'donor.desk@newsroom.example';
const DONOR = 'Private.Donor@Example.org';
const DONOR_NORMAL = 'private.donor@example.org';
const OTHER = 'another.donor@example.org';
const pledges = {};

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    patron = await startPatron({ stripe: standin, seedDemo: true, label: 'dash-donors', config: { demo_pages: 'true' } });
    addUser(patron, ADMIN, 'admin');
    // Two pledges of the donor (monthly and one-off), one of someone else.
    for (const [key, email, amount, frequency] of [['monthly', DONOR, '7', 'monthly'], ['once', DONOR, '15', 'one_off'], ['other', OTHER, '3', 'monthly']]) {
        const s = await support(patron, standin, { amount, frequency, campaign: 'demo-2026' });
        assert.equal(s.status, 303, `POST /support: ${s.status} ${s.body.slice(0, 300)}`);
        await payAndReturn(patron, standin, s.sessionId, { email });
        pledges[key] = s.pledgeId;
    }
    // The donor also asked to be reminded by email once.
    const reminder = await http(patron.base, 'POST', '/v1/reminders', {
        body: JSON.stringify({ email: DONOR, language: 'en', campaign: 'demo-2026', variant: 'a' }),
        headers: { 'Content-Type': 'application/json' },
    });
    assert.ok([200, 201].includes(reminder.status), `POST /v1/reminders: ${reminder.status} ${reminder.body}`);
    await standin.idle();
    await eventually(() => pledgeRow(patron, pledges.monthly)?.status === 'active' && pledgeRow(patron, pledges.other)?.status === 'active', { message: 'the pledges to become active' });
    c = await signedIn(patron, ADMIN, undefined, '/dashboard/donors');
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
});

const t = (name, fn) => test(name, { timeout: 60_000 }, withLog(() => patron, fn));

async function audit() {
    const r = await c.get('/dashboard/audit.csv');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-disposition'), /^attachment; filename="patron-audit-log\.csv"$/);
    return { rows: csvObjects(r.body), text: r.body };
}

/** Every byte patron keeps on disk for the database: the file and its WAL. */
function databaseBytes() {
    return ['', '-wal', '-shm', '-journal'].map((suffix) => `${patron.db}${suffix}`)
        .filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
}
const holds = (needle) => databaseBytes().some((b) => b.includes(Buffer.from(needle, 'utf8')));

t('the donors page: three forms, addresses only in POST bodies, nothing to browse', async () => {
    const r = await c.get('/dashboard/donors');
    assert.equal(r.status, 200);
    for (const action of ['find', 'export', 'erase']) {
        assert.match(r.body, new RegExp(`<form method="post" action="/dashboard/donors/${action}"`), `the ${action} form`);
        assert.match(r.body, new RegExp(`<label for="${action}-email">`), `the ${action} form's field is labelled`);
    }
    assert.match(r.body, /name="confirm" value="yes" required/, 'erasing needs a ticked box');
    assert.doesNotMatch(r.body, /example\.org/, 'no address is listed');
});

t('find: the donor\'s pledges by address (any case), linked to each pledge; the address stays out of URLs', async () => {
    const r = await c.post('/dashboard/donors/find', { email: 'PRIVATE.donor@example.ORG' });
    assert.equal(r.status, 200, r.body.slice(0, 300));
    const text = textOf(r.body);
    for (const id of [pledges.monthly, pledges.once]) {
        assert.match(r.body, new RegExp(`<a href="/dashboard/donors/pledge/${id}">${id}</a>`), `pledge ${id} is listed`);
    }
    assert.ok(!r.body.includes(pledges.other), 'another donor\'s pledge is not listed');
    assert.match(text, /\$7(\.00)? monthly/);
    assert.match(text, /\$15(\.00)? one.off/);
    assert.match(text, /monthly/);
    assert.match(text, /active/);
    const hrefs = [...r.body.matchAll(/(?:href|action)="([^"]*)"/g)].map((m) => m[1]);
    assert.ok(hrefs.every((h) => !/donor|%40|@/i.test(h.replace(/^\/dashboard\/donors(\/pledge\/[0-9a-f]{32})?$/, ''))), `an address in a link: ${hrefs}`);
    const none = await c.post('/dashboard/donors/find', { email: 'never.gave@example.org' });
    assert.equal(none.status, 200);
    assert.match(textOf(none.body), /No pledge was made with that address/);
    const bad = await c.post('/dashboard/donors/find', { email: 'not an address' });
    assert.equal(bad.status, 422);
});

t('a pledge: the donor\'s address, amount, campaign and its history', async () => {
    const r = await c.get(`/dashboard/donors/pledge/${pledges.monthly}`);
    assert.equal(r.status, 200);
    const text = textOf(r.body);
    assert.match(text, new RegExp(`Donor ${DONOR_NORMAL.replace(/\./g, '\\.')}`), 'the address, opened for the admin');
    assert.match(text, /Status active/);
    assert.match(text, /Amount \$7(\.00)? monthly/);
    assert.match(text, /Campaign demo-2026/);
    assert.match(r.body, /<caption>History<\/caption>/);
    assert.match(r.body, /<caption>Payments<\/caption>/);
    assert.match(text, /pending/, 'the history starts at pending');
    assert.match(r.body, /action="\/dashboard\/donors\/pledge\/[0-9a-f]{32}\/cancel"/, 'a running pledge can be cancelled');
    assert.equal((await c.get('/dashboard/donors/pledge/0123456789abcdef0123456789abcdef')).status, 404);
    assert.equal((await c.get('/dashboard/donors/pledge/..%2F..%2Fetc')).status, 404);
});

t('export: everything held about the address, as a JSON download', async () => {
    const r = await c.post('/dashboard/donors/export', { email: DONOR });
    assert.equal(r.status, 200, r.body.slice(0, 300));
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.match(r.headers.get('content-disposition'), /^attachment; filename="patron-donor-data\.json"$/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const data = JSON.parse(r.body);
    assert.equal(data.email, DONOR_NORMAL);
    assert.deepEqual(data.pledges.map((p) => p.id).sort(), [pledges.monthly, pledges.once].sort());
    const monthly = data.pledges.find((p) => p.id === pledges.monthly);
    assert.equal(monthly.amount_minor, 700);
    assert.equal(monthly.currency, 'USD');
    assert.equal(monthly.frequency, 'monthly');
    assert.equal(monthly.campaign, 'demo-2026');
    assert.equal(monthly.status, 'active');
    assert.ok(monthly.history.length >= 2 && monthly.history.every((h) => typeof h.at === 'number' && h.status));
    assert.ok(monthly.payments.length >= 1, 'the first payment');
    assert.equal(monthly.payments[0].amount_minor, 700);
    const row = sqlite(patron.db, `SELECT status, amount_minor FROM pledges WHERE id = '${pledges.monthly}'`)[0];
    assert.equal(monthly.status, row.status);
    assert.equal(monthly.amount_minor, row.amount_minor);
    assert.ok(!r.body.includes(pledges.other) && !r.body.includes(OTHER), 'nothing of another donor');
    assert.equal(data.reminders.length, 1, 'the reminder the address asked for');
    assert.equal(data.reminders[0].campaign, 'demo-2026');
    assert.match(data.reminders[0].month, /^\d{4}-\d{2}$/);
});

t('cancel one pledge from its page: needs the box ticked; Stripe stops charging', async () => {
    const id = pledges.other;
    const unticked = await c.post(`/dashboard/donors/pledge/${id}/cancel`, {});
    assert.equal(unticked.status, 422);
    assert.equal(pledgeRow(patron, id).status, 'active', 'nothing cancelled without the box');
    const r = await c.post(`/dashboard/donors/pledge/${id}/cancel`, { confirm: 'yes' });
    assert.equal(r.status, 200, r.body.slice(0, 400));
    assert.match(textOf(r.body), /Cancelled\./);
    await standin.idle();
    assert.equal(pledgeRow(patron, id).status, 'cancelled');
    const sub = pledgeRow(patron, id).subscription_id;
    assert.equal(standin.state.subscriptions.get(sub)?.status, 'canceled', 'the stand-in\'s subscription is cancelled');
    const again = await c.get(`/dashboard/donors/pledge/${id}`);
    assert.doesNotMatch(again.body, /\/cancel"/, 'an ended pledge has no cancel form');
});

t('erase: needs the box; then the address is gone from the database file, running pledges are cancelled first', async () => {
    assert.ok(sqlite(patron.db, `SELECT count(*) AS n FROM pledges WHERE id IN ('${pledges.monthly}', '${pledges.once}') AND email_sealed IS NOT NULL`)[0].n === 2);
    const unticked = await c.post('/dashboard/donors/erase', { email: DONOR });
    assert.equal(unticked.status, 422);
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM pledges WHERE id = '${pledges.monthly}' AND email_sealed IS NOT NULL`)[0].n, 1, 'nothing erased without the box');
    const nobody = await c.post('/dashboard/donors/erase', { email: 'never.gave@example.org', confirm: 'yes' });
    assert.equal(nobody.status, 404);

    // What the address looked like in the database: sealed, and its look-up hash.
    const sealedBefore = sqlite(patron.db, `SELECT hex(email_sealed) AS s, hex(email_hash) AS h FROM pledges WHERE id IN ('${pledges.monthly}', '${pledges.once}')`);
    assert.equal(sealedBefore.length, 2);
    const r = await c.post('/dashboard/donors/erase', { email: DONOR, confirm: 'yes' });
    assert.equal(r.status, 200, r.body.slice(0, 400));
    assert.match(textOf(r.body), /Erased: 2 pledge\(s\) no longer carry the address/);
    await standin.idle();
    const rows = sqlite(patron.db, `SELECT id, status, email_sealed, email_hash, amount_minor FROM pledges WHERE id IN ('${pledges.monthly}', '${pledges.once}')`);
    assert.equal(rows.length, 2, 'the books keep the pledges');
    for (const row of rows) {
        assert.equal(row.email_sealed, null, `pledge ${row.id} still has email_sealed`);
        assert.equal(row.email_hash, null, `pledge ${row.id} still has email_hash`);
        assert.ok(row.amount_minor > 0, 'amounts stay');
    }
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND pledge_id IN ('${pledges.monthly}', '${pledges.once}')`)[0].n, 0, 'no unsent email to the address is left');
    assert.equal(rows.find((p) => p.id === pledges.monthly).status, 'cancelled', 'the running pledge was cancelled first');
    // Nowhere on disk, in any spelling (secure_delete overwrites freed pages).
    const leftovers = () => sealedBefore.flatMap(({ s: sealed, h: hash }) => [['sealed address', sealed], ['look-up hash', hash]])
        .filter(([, hex]) => databaseBytes().some((b) => b.includes(Buffer.from(hex, 'hex')))).map(([what]) => what);
    assert.deepEqual(leftovers(), [], 'the erased address, sealed or hashed, is in the files while patron runs');
    await patron.stop();
    for (const spelling of [DONOR, DONOR_NORMAL, DONOR.toUpperCase()]) {
        assert.ok(!holds(spelling), `the database files still hold "${spelling}"`);
    }
    assert.deepEqual(leftovers(), [], 'the erased address, sealed or hashed, is in the files after a stop');
    await patron.start();
    c = await signedIn(patron, ADMIN, undefined, '/dashboard/donors');
    const found = await c.post('/dashboard/donors/find', { email: DONOR });
    assert.match(textOf(found.body), /No pledge was made with that address \(or its data was erased\)/);
    const page = await c.get(`/dashboard/donors/pledge/${pledges.monthly}`);
    assert.match(textOf(page.body), /\(no address: not given yet, or erased\)/);
    const exported = JSON.parse((await c.post('/dashboard/donors/export', { email: DONOR })).body);
    assert.deepEqual(exported.pledges, [], 'nothing left to export');
    assert.deepEqual(exported.reminders, [], 'the reminder went with the address');
    assert.equal(sqlite(patron.db, 'SELECT count(*) AS n FROM reminders')[0].n, 0);
});

t('a webhook that arrives after the erasure does not bring the processor\'s customer id back', async () => {
    // Cancelling the running pledge (the erasure's first step) makes Stripe
    // send customer.subscription.deleted, which can land after the erasure.
    await standin.idle();
    const rows = sqlite(patron.db, `SELECT id, customer_id FROM pledges WHERE id IN ('${pledges.monthly}', '${pledges.once}')`);
    for (const row of rows) {
        assert.ok(row.customer_id === null || row.customer_id === '', `erased pledge ${row.id} carries the processor's customer id ${row.customer_id} again`);
    }
});

t('the audit log has each action, by whom, and never the address', async () => {
    const { rows, text } = await audit();
    const mine = rows.filter((r) => r.who === ADMIN);
    const actions = mine.map((r) => r.action);
    for (const action of ['donor_lookup', 'pledge_viewed', 'donor_exported', 'pledge_cancelled', 'donor_erased']) {
        assert.ok(actions.includes(action), `no ${action} in the audit log: ${actions.join(', ')}`);
    }
    const label = mine.find((r) => r.action === 'donor_erased').detail;
    assert.match(label, /^donor [0-9a-f]{12}: 2 pledge\(s\)$/);
    const donorKey = label.slice(0, 'donor '.length + 12);
    assert.ok(mine.filter((r) => r.action === 'donor_lookup').some((r) => r.detail.startsWith(donorKey)), 'the look-up and the erasure name the same donor');
    assert.ok(mine.some((r) => r.action === 'pledge_cancelled' && r.detail === `pledge ${pledges.other}`));
    assert.ok(mine.some((r) => r.action === 'pledge_viewed' && r.detail === `pledge ${pledges.monthly}`));
    for (const spelling of [DONOR, DONOR_NORMAL, OTHER]) assert.ok(!text.toLowerCase().includes(spelling.toLowerCase()), `the audit log names ${spelling}`);
    const page = await c.get('/dashboard/audit');
    assert.equal(page.status, 200);
    assert.match(page.body, /<caption>The audit log<\/caption>/);
    assert.match(textOf(page.body), /donor_erased/);
    // The log cannot be rewritten, even by hand.
    const del = spawnSync('sqlite3', [patron.db, 'DELETE FROM audit_log'], { encoding: 'utf8', timeout: 10_000 });
    assert.notEqual(del.status, 0);
    assert.match(del.stderr, /append-only/);
});
