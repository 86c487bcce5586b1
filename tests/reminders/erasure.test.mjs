// After the send the database holds no address: neither the plaintext nor
// the sealed bytes remain anywhere in patron.db or its write-ahead log; only
// the counts are left, and /v1/stats and /metrics show them.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before } from 'node:test';
import {
    startSmtp, startPatron, stopAndAssertClean, signUpOk, reminderRows, reminderCounts, rowCount,
    runSendExpect, sendSummary, monthFromNow, sendTime, request, assertJson, parseMetrics,
    readBytes, suite, ADMIN_TOKEN,
} from './lib.mjs';

let smtp;
let srv;
const t = suite(() => srv);

const M1 = monthFromNow(1);
const M3 = monthFromNow(3);
const SENT = ['erase.me.one@privacy-test.example', 'erase.me.two@privacy-test.example', 'erase.me.three@privacy-test.example'];
const KEPT = 'kept.for.later@privacy-test.example';
let sealedSent = [];
let sendStderr = '';

before(async () => {
    smtp = await startSmtp();
    srv = await startPatron({ smtpPort: smtp.port, label: 'reminders-erasure' });
    for (const email of SENT) await signUpOk(srv, { email, month: M1, campaign: 'demo-2026', variant: 'a' });
    await signUpOk(srv, { email: KEPT, month: M3 });
    const rows = reminderRows(srv);
    sealedSent = rows.filter((r) => r.month === M1).map((r) => r.sealedHex);
    assert.equal(sealedSent.length, 3);
    for (const hex of sealedSent) assert.ok(hex.length >= 2 * (24 + 16 + 10), `sealed bytes: ${hex}`);
    const r = await runSendExpect(srv, sendTime(M1), 0);
    sendStderr = r.stderr;
    assert.deepEqual(sendSummary(r.stderr), { due: 3, sent: 3, failed: 0, deferred: 0 }, r.stderr);
    assert.equal(smtp.delivered.length, 3);
});

after(async () => {
    if (srv) await stopAndAssertClean(srv);
    if (smtp) await smtp.close();
});

function findings(files) {
    const found = [];
    for (const file of files) {
        const bytes = readBytes(file);
        for (const email of SENT) {
            for (const form of [email, email.toUpperCase(), email.split('@')[0]]) {
                if (bytes.includes(Buffer.from(form, 'utf8'))) found.push(`${path.basename(file)}: plaintext "${form}"`);
            }
        }
        for (const hex of sealedSent) {
            const sealed = Buffer.from(hex, 'hex');
            if (bytes.includes(sealed)) found.push(`${path.basename(file)}: the sealed address ${hex.slice(0, 16)}… (${sealed.length} bytes)`);
            // The ciphertext without the nonce, too (a partial copy is still a copy).
            if (bytes.includes(sealed.subarray(24))) found.push(`${path.basename(file)}: the ciphertext of ${hex.slice(0, 16)}…`);
        }
    }
    return found;
}

t('the table no longer holds the sent reminders', () => {
    assert.deepEqual(reminderRows(srv).map((r) => r.month), [M3]);
    assert.equal(rowCount(srv), 1);
});

t('no byte of a sent address remains in patron.db or patron.db-wal (server running)', () => {
    const files = [srv.db, `${srv.db}-wal`];
    const found = findings(files);
    assert.deepEqual(found, [],
        `after the send, the database files still hold the addresses it erased:\n  ${found.join('\n  ')}\n` +
        `(sizes: db ${readBytes(files[0]).length}, wal ${readBytes(files[1]).length} bytes)`);
});

t('no address in the send\'s output or the server\'s log', () => {
    for (const email of [...SENT, KEPT]) {
        assert.ok(!sendStderr.includes(email), `the send printed ${email}`);
        assert.ok(!srv.stderr.includes(email) && !srv.stdout.includes(email), `the server logged ${email}`);
    }
});

t('reminder_counts, /v1/stats and /metrics have the counts', async () => {
    const counts = reminderCounts(srv);
    assert.deepEqual(counts, { [`${M1} signed_up`]: 3, [`${M1} sent`]: 3, [`${M3} signed_up`]: 1 });

    const stats = assertJson(await request(srv, 'GET', '/v1/stats', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }), 200);
    assert.ok(Array.isArray(stats.reminders), `/v1/stats has "reminders": ${JSON.stringify(stats)}`);
    const find = (month, kind) => stats.reminders.find((c) => c.month === month && c.kind === kind)?.count;
    assert.equal(find(M1, 'sent'), 3, JSON.stringify(stats.reminders));
    assert.equal(find(M1, 'signed_up'), 3, JSON.stringify(stats.reminders));
    assert.equal(find(M3, 'signed_up'), 1, JSON.stringify(stats.reminders));
    assert.equal(JSON.stringify(stats).includes('@'), false, 'no address in /v1/stats');
    const noToken = await request(srv, 'GET', '/v1/stats');
    assert.equal(noToken.status, 401, '/v1/stats without the token');

    assert.equal((await request(srv, 'GET', '/metrics')).status, 401, '/metrics without the token');
    const metrics = await request(srv, 'GET', '/metrics', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^# TYPE patron_reminders_total counter$/m);
    const samples = parseMetrics(metrics.body).filter((s) => s.name === 'patron_reminders_total');
    const value = (month, kind) => samples.find((s) => s.labels.month === month && s.labels.kind === kind)?.value;
    // In steps of ten there: three sign-ups show as none, so that no one
    // reader's sign-up or cancellation can be watched as a +1.
    assert.equal(value(M1, 'sent'), 0, metrics.body);
    assert.equal(value(M1, 'signed_up'), 0, metrics.body);
    assert.equal(parseMetrics(metrics.body).filter((s) => s.name === null).length, 0,
        `/metrics lines that are not Prometheus samples:\n${parseMetrics(metrics.body).filter((s) => s.name === null).map((s) => s.line).join('\n')}`);
});

t('no byte of a sent address remains after the server stops either', async () => {
    await stopAndAssertClean(srv);
    const found = findings([srv.db, `${srv.db}-wal`]);
    assert.deepEqual(found, [], `after shutdown the database files still hold erased addresses:\n  ${found.join('\n  ')}`);
});
