// Moving a newsroom from SQLite to PostgreSQL with `patron store copy`
// (docs/SCALING.md, "Moving from SQLite"): a real newsroom on SQLite (the
// demo's history, pledges made through the stand-in Stripe, a partial
// refund, a dispute won and one still open, a reminder, an erased donor, a
// dashboard account and its session, audit lines) is
// stopped and copied into a throwaway cluster; patron started on PostgreSQL
// with the same key file shows the same donors, opens their addresses, takes
// the old session and manage link, and reports the same numbers. A second
// copy, another key file, a copy that fails, one whose rows come back
// different and one killed midway are refused or leave the target empty.
//
// Needs PostgreSQL's server (Debian's postgresql package). Without it the
// file is skipped, unless PATRON_TEST_PG_REQUIRED is set: then it fails.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO } from './lib.mjs';
import {
    Client, PATRON_BIN, addUser, eventually, http, payAndReturn, pledgeRow, signedIn, sleep, sqlite, startPatron,
    startStandin, stopClean, support, textOf, withLog,
} from './dashboard-lib.mjs';
import { manageLink, startSmtp } from '../stripe/mail.mjs';

const CLUSTER = path.join(REPO, 'tests', 'postgresql', 'cluster.sh');

function serverInstalled() {
    try {
        return fs.readdirSync('/usr/lib/postgresql').some((v) =>
            fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
    } catch { return false; }
}
const available = serverInstalled();
if (!available && process.env.PATRON_TEST_PG_REQUIRED) {
    throw new Error('PostgreSQL is required for this run but /usr/lib/postgresql/*/bin/initdb is missing');
}

const ADMIN = 'move.desk@newsroom.example';
const KEEP = 'kept.donor@example.org';
const ERASED = 'erased.donor@example.org';
const DISPUTED = 'disputed.donor@example.org';

let cluster; // { url, dir }
let standin;
let smtp;
let patron;
let keptPledge;
let link; // the kept donor's manage link
let cookie; // the admin's session, made on SQLite
const before_ = {}; // what the dashboard showed on SQLite
let tables; // SQLite's tables with their counts

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-store-copy-'));
process.on('exit', () => { if (!process.env.PATRON_KEEP_TMP) fs.rmSync(work, { recursive: true, force: true }); });

function clusterCommand(args, timeoutMs = 60_000) {
    const r = spawnSync(CLUSTER, args, { encoding: 'utf8', timeout: timeoutMs });
    assert.equal(r.status, 0, `cluster.sh ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
    return r.stdout;
}

function psql(url, sql) {
    const r = spawnSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', url, '-c', sql],
        { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `psql ${sql}: ${r.stderr}`);
    return r.stdout.trim();
}

function database(name) {
    psql(cluster.url, `CREATE DATABASE ${name}`);
    return cluster.url.replace(/\/postgres$/, `/${name}`);
}

function copy(from, to, timeout = 60_000) {
    const r = spawnSync(PATRON_BIN, ['store', 'copy', '--from', from, '--to', to], { encoding: 'utf8', timeout });
    return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Every patron table SQLite has, with its rows. */
function sqliteCounts(db) {
    const names = sqlite(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((r) => r.name);
    const counts = {};
    const rows = sqlite(db, names.map((name) => `SELECT '${name}' AS name, count(*) AS n FROM "${name}"`).join(' UNION ALL '));
    for (const row of rows) counts[row.name] = row.n;
    return counts;
}

/** The same tables' rows in PostgreSQL (null for a table that is not
 * there), asked with one psql. */
function pgCounts(url, names) {
    const rows = psql(url, `SELECT name, CASE WHEN to_regclass(quote_ident(name)) IS NULL THEN -1
        ELSE (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', name), false, true, '')))[1]::text::bigint END
        FROM unnest(ARRAY[${names.map((n) => `'${n}'`).join(', ')}]::text[]) AS name`);
    const out = {};
    for (const line of rows.split('\n')) {
        const [name, n] = line.split('|');
        out[name] = Number(n) < 0 ? null : Number(n);
    }
    return out;
}

/** Rows that the copy may never have left behind: every table but the
 * settings a migration writes itself (catalog_version) and schema_version. */
function assertEmpty(url, label) {
    const counts = pgCounts(url, Object.keys(tables));
    for (const [name, n] of Object.entries(counts)) {
        if (name === 'catalog_version') continue;
        assert.ok(n === null || n === 0, `${label}: ${name} holds ${n} rows`);
    }
}

/** A digest of everything in a PostgreSQL database's patron tables. */
function pgDigest(url) {
    const query = "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS d FROM %I t";
    return psql(url, `SELECT string_agg(name || ':' || (xpath('/row/d/text()', query_to_xml(format($q$${query}$q$, name), false, true, '')))[1]::text, ',')
        FROM unnest(ARRAY[${Object.keys(tables).map((n) => `'${n}'`).join(', ')}]::text[]) AS name`);
}

function writeConfig(file, values) {
    const lines = Object.entries(values).map(([k, v]) => `${k} = ${v}`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
}

before(async () => {
    if (!available) return;
    const lines = clusterCommand(['start', '600']);
    const value = (key) => lines.match(new RegExp(`^${key}=(.*)$`, 'm'))[1];
    cluster = { url: value('PATRON_TEST_PG_URL'), dir: value('PATRON_TEST_PG_DIR') };

    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, seedDemo: true, label: 'store-copy', config: {
        demo_pages: 'true', events_flush_interval_ms: '200',
        // The erased donor is erased by staff below: a one-off gift's
        // address must not already be gone after its receipt (the default).
        erase_one_off_after_receipt: 'no',
    } });
    addUser(patron, ADMIN, 'admin');
    const pledges = {};
    const charges = {};
    for (const [email, amount, frequency] of [[KEEP, '7', 'monthly'], [ERASED, '5', 'one_off'], [DISPUTED, '9', 'one_off']]) {
        const s = await support(patron, standin, { amount, frequency, campaign: 'demo-2026' });
        assert.equal(s.status, 303, `POST /support: ${s.status} ${s.body.slice(0, 300)}`);
        await payAndReturn(patron, standin, s.sessionId, { email });
        pledges[email] = s.pledgeId;
        const session = standin.session(s.sessionId);
        charges[email] = session.invoice ? standin.state.invoices.get(session.invoice).charge
            : standin.state.paymentIntents.get(session.payment_intent).latest_charge;
    }
    keptPledge = pledges[KEEP];
    // What came back: part of the kept donor's payment refunded, then
    // disputed and won (a negative row, a closed dispute); another donor's
    // dispute still open.
    await standin.idle();
    await standin.refundCharge(charges[KEEP], { amount: 200 }).delivered;
    const won = standin.openDispute(charges[KEEP]);
    await won.delivered;
    await standin.closeDispute(won.dispute.id, { won: true }).delivered;
    await standin.openDispute(charges[DISPUTED]).delivered;
    await standin.idle();
    await eventually(() => sqlite(patron.db, 'SELECT count(*) AS n FROM payment_reversals')[0].n === 4 &&
        sqlite(patron.db, 'SELECT count(*) AS n FROM payment_disputes WHERE open = 0')[0].n === 1,
    { message: 'the refund and the disputes to be recorded' });
    const reminder = await http(patron.base, 'POST', '/v1/reminders', {
        body: JSON.stringify({ email: KEEP, language: 'en', campaign: 'demo-2026', variant: 'a' }),
        headers: { 'Content-Type': 'application/json' },
    });
    assert.ok([200, 201].includes(reminder.status), `POST /v1/reminders: ${reminder.status} ${reminder.body}`);
    await standin.idle();
    await eventually(() => pledgeRow(patron, keptPledge)?.status === 'active', { message: 'the pledge to become active' });
    const [thanks] = await smtp.waitFor((m) => m.envelope.to.includes(KEEP) && manageLink(m));
    link = manageLink(thanks);

    // The reports read the event counts that reached the database.
    await eventually(() => sqlite(patron.db, "SELECT count(*) AS n FROM event_counts WHERE kind = 'reminder_signup'")[0].n === 1,
        { message: 'the reminder sign-up to be counted' });
    const c = await signedIn(patron, ADMIN, undefined, '/dashboard/donors');
    const erased = await c.post('/dashboard/donors/erase', { email: ERASED, confirm: 'yes' });
    assert.equal(erased.status, 200, erased.body.slice(0, 300));
    await standin.idle();
    before_.find = textOf((await c.post('/dashboard/donors/find', { email: KEEP })).body);
    before_.pledge = textOf((await c.get(`/dashboard/donors/pledge/${keptPledge}`)).body);
    before_.reports = textOf((await c.get('/dashboard/reports')).body);
    before_.manage = textOf((await http(patron.base, 'GET', link.slice(patron.base.length))).body);
    cookie = c.cookie;
    await stopClean(patron);
    tables = sqliteCounts(patron.db);
});

after(async () => {
    try {
        if (patron) await patron.stop();
        await standin?.close();
        await smtp?.close();
    } finally {
        if (cluster) clusterCommand(['stop', cluster.dir]);
    }
});

const t = (name, fn) => test(name, { timeout: 60_000, skip: !available && 'PostgreSQL server not installed' },
    withLog(() => patron, fn));

t('a SQLite file the copy does not know (a table more, an older schema) is refused before anything is written', async () => {
    const strange = path.join(work, 'strange.db');
    fs.copyFileSync(patron.db, strange);
    sqlite(strange, 'SELECT 1'); // readable
    assert.equal(spawnSync('sqlite3', [strange, 'CREATE TABLE donations_extra (x INTEGER)']).status, 0);
    const target = database('strange');
    const r = copy(strange, target);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /has a table "donations_extra" that patron store copy does not know how to copy/);
    assert.equal(psql(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), '0', 'the target was not even migrated');

    const old = path.join(work, 'old.db');
    fs.copyFileSync(patron.db, old);
    const version = Number(sqlite(old, 'PRAGMA user_version')[0].user_version);
    assert.equal(spawnSync('sqlite3', [old, `PRAGMA user_version = ${version - 1}`]).status, 0);
    const o = copy(old, target);
    assert.equal(o.status, 1, o.stderr);
    assert.match(o.stderr, new RegExp(`older schema \\(${version - 1}\\) than this patron's \\(${version}\\)`));
    assert.equal(psql(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), '0');
});

t('the copy: every table, every row, in PostgreSQL; the SQLite file is not changed', async () => {
    for (const name of ['campaigns', 'event_counts', 'pledges', 'pledge_history', 'users', 'sessions', 'audit_log', 'reminders', 'payments',
        'payment_reversals', 'payment_disputes', 'processor_events', 'key_check', 'outbox']) {
        assert.ok(tables[name] > 0, `the newsroom has ${name}: ${JSON.stringify(tables)}`);
    }
    assert.ok(sqlite(patron.db, 'SELECT count(*) AS n FROM pledges WHERE erased_at IS NOT NULL')[0].n === 1, 'one donor was erased');
    const hash = crypto.createHash('sha256').update(fs.readFileSync(patron.db)).digest('hex');
    cluster.moved = database('moved');
    const started = Date.now();
    const r = copy(patron.db, cluster.moved);
    assert.equal(r.status, 0, `patron store copy: ${r.stderr}`);
    const seconds = (Date.now() - started) / 1000;
    for (const [name, n] of Object.entries(tables)) {
        assert.match(r.stdout, new RegExp(`^${name}: ${n} rows?$`, 'm'), `the line for ${name}`);
    }
    const total = Object.values(tables).reduce((a, b) => a + b, 0);
    assert.match(r.stdout, new RegExp(`^patron: copied ${total} rows in ${Object.keys(tables).length} tables .*read back and found the same; committed$`, 'm'));
    assert.deepEqual(pgCounts(cluster.moved, Object.keys(tables)), tables, 'every table holds as many rows as in SQLite');
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(patron.db)).digest('hex'), hash, 'the SQLite file was not changed');
    // The sealed addresses are the same bytes.
    const lite = sqlite(patron.db, 'SELECT id, hex(email_sealed) AS s FROM pledges WHERE email_sealed IS NOT NULL ORDER BY id');
    const pg = psql(cluster.moved, "SELECT string_agg(id || ':' || upper(encode(email_sealed, 'hex')), ',' ORDER BY id) FROM pledges WHERE email_sealed IS NOT NULL");
    assert.equal(pg, lite.map((row) => `${row.id}:${row.s}`).join(','));
    // History keeps its order; new ids come after the copied ones.
    assert.equal(psql(cluster.moved, 'SELECT max(seq) FROM pledge_history'), String(sqlite(patron.db, 'SELECT max(rowid) AS m FROM pledge_history')[0].m));
    assert.ok(seconds < 20, `took ${seconds} s`);
});

t('a target where a node started with the same key file is still empty; with another key file it is not', async () => {
    const start = (name, key) => {
        const url = database(name);
        const dir = path.join(work, name);
        fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'data', 'patron.key'), key, { mode: 0o600 });
        const configFile = path.join(dir, 'patron.conf');
        writeConfig(configFile, { data_dir: path.join(dir, 'data'), database: url });
        // Any command that opens the keys records the key check, as serve does.
        const r = spawnSync(PATRON_BIN, ['admin', 'list-users', '--config', configFile], { encoding: 'utf8', timeout: 30_000 });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(psql(url, 'SELECT count(*) FROM key_check'), '1');
        return url;
    };
    const same = start('samekey', fs.readFileSync(path.join(patron.dir, 'data', 'patron.key')));
    const r = copy(patron.db, same);
    assert.equal(r.status, 0, r.stderr);
    const other = start('otherkey', crypto.randomBytes(32));
    const digest = pgDigest(other);
    const o = copy(patron.db, other);
    assert.equal(o.status, 1, o.stdout);
    assert.match(o.stderr, /is not empty: key_check \(the check value of another key file than the SQLite database's\)/);
    assert.equal(pgDigest(other), digest, 'nothing was changed');
});

t('patron on PostgreSQL with the same key file: the same donors, addresses, session, manage link and reports', async () => {
    assert.ok(cluster.moved, 'the copy ran');
    const config = fs.readFileSync(patron.configFile, 'utf8');
    fs.writeFileSync(patron.configFile, `${config}database = ${cluster.moved}\n`);
    const logged = patron.stderr().length;
    await patron.start();
    try {
        await onPostgresql(logged);
    } finally {
        await stopClean(patron);
    }
});

async function onPostgresql(logged) {
    assert.doesNotMatch(patron.stderr().slice(logged), /applied \d+ migration/, 'the copy left the database migrated');
    const c = new Client(patron);
    c.cookie = cookie; // signed in on SQLite
    const reports = await c.get('/dashboard/reports');
    assert.equal(reports.status, 200, `the session made on SQLite: ${reports.status} ${reports.location}`);
    assert.equal(textOf(reports.body), before_.reports, 'the reports show the same numbers');
    assert.equal(textOf((await c.post('/dashboard/donors/find', { email: KEEP })).body), before_.find);
    const pledge = textOf((await c.get(`/dashboard/donors/pledge/${keptPledge}`)).body);
    assert.match(pledge, new RegExp(`Donor ${KEEP.replace(/\./g, '\\.')}`), 'the sealed address opens with the same key');
    assert.equal(pledge, before_.pledge);
    assert.match(textOf((await c.post('/dashboard/donors/find', { email: ERASED })).body), /No pledge was made with that address/, 'the erased donor stays erased');
    const manage = await http(patron.base, 'GET', link.slice(patron.base.length));
    assert.equal(manage.status, 200);
    assert.equal(textOf(manage.body), before_.manage, 'the manage link made on SQLite');
    // New rows take new ids: a user, an audit line, a pledge with its history.
    const users = Number(psql(cluster.moved, 'SELECT max(id) FROM users'));
    addUser(patron, 'second.desk@newsroom.example', 'viewer');
    assert.equal(Number(psql(cluster.moved, "SELECT id FROM users WHERE email = 'second.desk@newsroom.example'")), users + 1);
    const s = await support(patron, standin, { amount: '9', frequency: 'monthly', campaign: 'demo-2026' });
    assert.equal(s.status, 303, s.body.slice(0, 300));
    await payAndReturn(patron, standin, s.sessionId, { email: 'after.move@example.org' });
    await standin.idle();
    await eventually(() => psql(cluster.moved, `SELECT status FROM pledges WHERE id = '${s.pledgeId}'`) === 'active', { message: 'a new pledge on PostgreSQL' });
    assert.equal(Number(psql(cluster.moved, 'SELECT count(*) FROM pledges')), tables.pledges + 1);
}

t('a second copy into the database, now not empty, is refused and changes nothing', async () => {
    assert.ok(cluster.moved, 'the copy ran');
    const digest = pgDigest(cluster.moved);
    const r = copy(patron.db, cluster.moved);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /the PostgreSQL database is not empty: campaigns \(1 row\), .*pledges \(\d+ rows\).* nothing was changed/);
    assert.equal(r.stdout, '');
    assert.equal(pgDigest(cluster.moved), digest);
});

t('a node with another key file refuses to start on the copy and changes nothing', async () => {
    assert.ok(cluster.moved, 'the copy ran');
    const dir = path.join(work, 'other-node');
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'patron.key'), crypto.randomBytes(32), { mode: 0o600 });
    const configFile = path.join(dir, 'patron.conf');
    writeConfig(configFile, { listen: '127.0.0.1', port: String(patron.port), data_dir: path.join(dir, 'data'), database: cluster.moved });
    const digest = pgDigest(cluster.moved);
    const r = spawnSync(PATRON_BIN, ['serve', '--config', configFile], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.signal, null, 'it did not keep running');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /is not the one this database was written with/);
    assert.equal(pgDigest(cluster.moved), digest);
});

/** A database migrated by `patron migrate`, then given sql (a trigger). */
function preparedTarget(name, sql) {
    const url = database(name);
    const dir = path.join(work, name);
    fs.mkdirSync(dir, { recursive: true });
    const configFile = path.join(dir, 'patron.conf');
    writeConfig(configFile, { data_dir: path.join(dir, 'data'), database: url });
    const m = spawnSync(PATRON_BIN, ['migrate', '--config', configFile], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(m.status, 0, m.stderr);
    psql(url, sql);
    return url;
}

t('a copy that fails midway (a table refuses its rows) leaves the target empty', async () => {
    const url = preparedTarget('failing', `
        CREATE FUNCTION refuse_payments() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'no payments here'; END $$;
        CREATE TRIGGER refuse_payments BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION refuse_payments();`);
    const r = copy(patron.db, url);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /copying payments: ERROR: {2}no payments here/);
    assertEmpty(url, 'after a failed copy');
    assert.equal(psql(url, 'SELECT version FROM catalog_version'), '1', 'the catalogue version is the migration\'s');
});

t('rows that come back different from PostgreSQL fail the verification, which rolls everything back', async () => {
    const url = preparedTarget('tampered', `
        CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.detail := NEW.detail || ' (edited)'; RETURN NEW; END $$;
        CREATE TRIGGER tamper BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION tamper();`);
    const r = copy(patron.db, url);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /verification failed for audit_log: the rows read back from PostgreSQL differ/);
    assertEmpty(url, 'after a failed verification');
});

t('a copy killed (SIGKILL) in the middle of a large events table leaves the target empty', async () => {
    const big = path.join(work, 'big.db');
    fs.copyFileSync(patron.db, big);
    const rows = 300_000;
    const fill = spawnSync('sqlite3', [big, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
        INSERT INTO event_counts (day, campaign, variant, kind, count)
        SELECT '2020-01-01', 'bulk-' || i, 'a', 'impression', i FROM n`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(fill.status, 0, fill.stderr);
    // Text and bytes that COPY's text format must escape, and an outbox whose
    // highest ids were used and deleted, for the whole copy below.
    const odd = spawnSync('sqlite3', [big, `INSERT INTO audit_log (at, user_id, action, detail) VALUES (1, NULL, 'odd',
            'tab' || char(9) || 'nl' || char(10) || 'cr' || char(13) || 'bs\\N' || char(8) || char(12) || char(11) || char(1) || ' é€😀');
        INSERT INTO login_failures (account_hash, client_hash, at) VALUES (x'00ff5c0a090d', x'', 5);
        UPDATE sqlite_sequence SET seq = 5000 WHERE name = 'outbox'`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(odd.status, 0, odd.stderr);
    const url = database('killed');
    const child = spawn(PATRON_BIN, ['store', 'copy', '--from', big, '--to', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const busy = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'patron store copy' AND query LIKE 'COPY \"event_counts\"%'";
    let seen = false;
    for (let i = 0; i < 400 && !seen; i++) {
        seen = psql(cluster.url, busy) !== '0';
        if (!seen) await sleep(25);
    }
    assert.ok(seen, `the copy of event_counts was never seen running: ${out}`);
    child.kill('SIGKILL');
    assert.deepEqual(await exited, { code: null, signal: 'SIGKILL' }, out);
    await eventually(() => psql(cluster.url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'patron store copy'") === '0',
        { message: 'the killed copy\'s connection to end' });
    assertEmpty(url, 'after SIGKILL');
    // The same file copies whole when left alone.
    const whole = copy(big, url);
    assert.equal(whole.status, 0, whole.stderr);
    assert.match(whole.stdout, new RegExp(`^event_counts: ${tables.event_counts + rows} rows$`, 'm'));
    assert.equal(psql(url, "SELECT upper(encode(convert_to(detail, 'UTF8'), 'hex')) FROM audit_log WHERE action = 'odd'"),
        sqlite(big, "SELECT hex(detail) AS h FROM audit_log WHERE action = 'odd'")[0].h);
    assert.equal(psql(url, "SELECT encode(account_hash, 'hex') || ',' || encode(client_hash, 'hex') FROM login_failures WHERE at = 5"), '00ff5c0a090d,');
    // The outbox's ids are never reused (SQLite's AUTOINCREMENT remembers
    // 5000 as used, erased since): PostgreSQL's next one comes after it.
    assert.equal(psql(url, "SELECT nextval(pg_get_serial_sequence('outbox', 'id'))"), '5001');
    assert.equal(psql(url, "SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))"),
        String(sqlite(big, 'SELECT max(id) + 1 AS n FROM audit_log')[0].n));
});
