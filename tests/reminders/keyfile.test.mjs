// patron.key is the only way back to the addresses in the database. A key
// file that went missing (a restore without it, a new container) or that is
// another newsroom's must stop patron before it serves or sends anything,
// and nothing stored may be erased because a key does not fit.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import {
    PATRON_BIN, startPatron, startSmtp, stopAndAssertClean, signUp, rowCount,
    runSendExpect, sendSummary, sqlite, monthFromNow, sendTime, tail, request, sleep,
} from './lib.mjs';
import { runPatron } from '../http/lib.mjs';

const M1 = monthFromNow(1);

let smtp;
test.before(async () => { smtp = await startSmtp(); });
test.after(async () => { await smtp?.close(); });

async function withReminders(label, emails) {
    const srv = await startPatron({ label, smtpPort: smtp.port });
    for (const email of emails) {
        const r = await signUp(srv, { email, month: M1 });
        assert.ok(r.status === 200 || r.status === 201, `sign-up answered ${r.status}: ${r.body}`);
    }
    await stopAndAssertClean(srv);
    return srv;
}

/** Writes to a stopped server's database, as an operator's hand would. */
function write(srv, sql) {
    const r = spawnSync('sqlite3', [srv.db, sql], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, `sqlite3 failed on ${JSON.stringify(sql)}: ${r.stderr}`);
}

const keyFile = (srv) => path.join(srv.dir, 'data', 'patron.key');

function refuses(srv, args, messageRe) {
    // Bounded: a patron that wrongly starts serving is killed and fails here.
    const r = runPatron([...args, '--config', srv.configFile], 10_000);
    assert.equal(r.signal, null, `patron ${args.join(' ')} did not stop by itself (it started?)\n${tail(r.stderr)}`);
    assert.notEqual(r.status, 0, `patron ${args.join(' ')} started without the right key\n${tail(r.stderr)}`);
    assert.match(r.stderr, messageRe);
    return r;
}

test('a missing key file stops serve and the send, and the reminders stay', async () => {
    const srv = await withReminders('key-missing', ['one@key.example', 'two@key.example']);
    const before = sqlite(srv, 'SELECT hex(email_sealed) FROM reminders ORDER BY id');
    const saved = fs.readFileSync(keyFile(srv));
    fs.unlinkSync(keyFile(srv));

    refuses(srv, ['serve'], /patron\.key is missing, but the database holds data sealed with it/);
    refuses(srv, ['reminders', 'send'], /restore patron\.key from your backup/);
    assert.equal(fs.existsSync(keyFile(srv)), false, 'no new key file was made');
    assert.deepEqual(sqlite(srv, 'SELECT hex(email_sealed) FROM reminders ORDER BY id'), before);

    // The right key back: the same files serve again.
    fs.writeFileSync(keyFile(srv), saved, { mode: 0o600 });
    const child = spawn(PATRON_BIN, ['serve', '--config', srv.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let up = false;
    for (let i = 0; i < 100 && child.exitCode === null && !up; i++) {
        try { up = (await request(srv, 'GET', '/healthz', { timeoutMs: 1000 })).status === 200; } catch { /* starting */ }
        if (!up) await sleep(100);
    }
    child.kill('SIGTERM');
    await exited;
    assert.ok(up, `patron did not serve with its own key back\n${tail(stderr)}`);
});

test('another key file is refused, by the stored check value or, in an older database, by the sealed data', async () => {
    const srv = await withReminders('key-other', ['three@key.example']);
    const saved = fs.readFileSync(keyFile(srv));
    assert.equal(sqlite(srv, 'SELECT count(*) FROM key_check')[0][0], '1', 'the first start recorded the check value');
    fs.writeFileSync(keyFile(srv), crypto.randomBytes(32), { mode: 0o600 });
    refuses(srv, ['serve'], /is not the one this database was written with/);

    // A database from before the check value: the sealed address decides.
    write(srv, 'DELETE FROM key_check');
    refuses(srv, ['reminders', 'send', '--now', sendTime(M1)], /does not open the addresses in this database/);
    assert.equal(rowCount(srv), 1, 'the reminder is still there');
    assert.equal(sqlite(srv, 'SELECT count(*) FROM key_check')[0][0], '0', 'a wrong key was not recorded');

    // With its own key, the old database is recognised and gets its check value.
    fs.writeFileSync(keyFile(srv), saved, { mode: 0o600 });
    const sent = await runSendExpect(srv, sendTime(M1), 0);
    assert.equal(sendSummary(sent.stderr).sent, 1, sent.stderr);
    assert.equal(sqlite(srv, 'SELECT count(*) FROM key_check')[0][0], '1');
});

test('a reminder sealed with another key is kept for the right key, never erased', async () => {
    const ours = await withReminders('key-ours', ['ours@key.example']);
    const theirs = await withReminders('key-theirs', ['theirs@key.example']);
    // A database that mixes keys (two newsrooms' files merged by hand).
    write(ours, `ATTACH '${theirs.db}' AS theirs; INSERT INTO reminders ` +
        '(email_hash, email_sealed, month, language, campaign, variant, cancel_token, created_at) ' +
        'SELECT email_hash, email_sealed, month, language, campaign, variant, cancel_token, created_at ' +
        'FROM theirs.reminders');
    assert.equal(rowCount(ours), 2);
    const already = smtp.delivered.length;
    const run = await runSendExpect(ours, sendTime(M1), 3);
    assert.deepEqual(sendSummary(run.stderr), { due: 2, sent: 1, failed: 0, deferred: 1 }, run.stderr);
    assert.match(run.stderr, /cannot be opened with this key file; it is kept/);
    assert.deepEqual(smtp.delivered.slice(already).flatMap((m) => m.envelope.to), ['ours@key.example']);
    assert.equal(rowCount(ours), 1, 'the other key\'s reminder is still there');
});

test('a database from a newer patron is refused by migrate and serve, and left as it is', async () => {
    const srv = await withReminders('newer', ['newer@key.example']);
    write(srv, 'PRAGMA user_version = 9999');
    for (const command of ['migrate', 'serve']) {
        refuses(srv, [command], /the database is from a newer patron \(schema 9999; this patron knows up to \d+\)/);
    }
    assert.equal(sqlite(srv, 'PRAGMA user_version')[0][0], '9999');
    assert.equal(rowCount(srv), 1);
});
