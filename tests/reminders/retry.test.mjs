// SMTP failures: a temporary refusal (4xx) is retried, then kept for the next
// run (exit 3), and every reminder still arrives exactly once; a permanent
// refusal (5xx) erases the reminder and counts it "failed" (exit 0).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
    startSmtp, startPatron, stopAndAssertClean, signUpOk, reminderCounts, rowCount, runSendExpect,
    sendSummary, monthFromNow, sendTime, deliveriesByAddress, tail,
} from './lib.mjs';

const M1 = monthFromNow(1);
const RETRIES = 3;

/** A server and an SMTP server for one test; `fn(srv, smtp)`; both stopped after. */
async function withPatron(label, behaviour, fn) {
    const smtp = await startSmtp(behaviour);
    let srv;
    try {
        srv = await startPatron({
            smtpPort: smtp.port, label,
            config: { smtp_retries: String(RETRIES), smtp_retry_delay_ms: '50' },
        });
        await fn(srv, smtp);
    } catch (e) {
        if (srv) e.message += `\n--- patron stderr ---\n${tail(srv.stderr, 3000)}\n--- SMTP log ---\n${JSON.stringify(smtp.log)}`;
        throw e;
    } finally {
        if (srv) await stopAndAssertClean(srv);
        await smtp.close();
    }
}

const addresses = (n, tag) => Array.from({ length: n }, (_, i) => `${tag}${i + 1}@retry.example`);

test('temporary refusals at RCPT and DATA are retried: every reminder arrives exactly once', { timeout: 60_000 }, async () => {
    // The first two RCPTs get 451; the first DATA, after its whole message
    // was sent, also gets 451. The first reminder needs all four tries.
    const behaviour = {
        rcpt: (to, n) => (n <= 2 ? [451, 'Try again later (test)'] : null),
        data: (message, n) => (n <= 1 ? [451, 'Queue full, try again later (test)'] : null),
    };
    await withPatron('reminders-retry', behaviour, async (srv, smtp) => {
        const emails = addresses(4, 'soon');
        for (const email of emails) await signUpOk(srv, { email, month: M1 });
        const started = Date.now();
        const r = await runSendExpect(srv, sendTime(M1), 0);
        assert.deepEqual(sendSummary(r.stderr), { due: 4, sent: 4, failed: 0, deferred: 0 }, r.stderr);
        assert.deepEqual(Object.fromEntries(deliveriesByAddress(smtp.delivered)),
            Object.fromEntries(emails.map((e) => [e, 1])), 'each address exactly once');
        assert.equal(smtp.seen.length, 5, 'the refused DATA plus four accepted ones');
        // Waits of 50, 100 and 200 ms between the four tries of the first one.
        assert.ok(Date.now() - started >= 300, `the retries did not wait (${Date.now() - started} ms)`);
        assert.equal(rowCount(srv), 0);
        assert.equal(reminderCounts(srv)[`${M1} sent`], 4);
        // And a second run sends nothing more.
        await runSendExpect(srv, sendTime(M1), 0);
        assert.equal(smtp.delivered.length, 4);
    });
});

test('a server that refuses (4xx) for a whole run and accepts on the next: kept, exit 3, then each sent once', { timeout: 60_000 }, async () => {
    await withPatron('reminders-defer', { rcpt: () => [451, 'Greylisted (test)'] }, async (srv, smtp) => {
        const emails = addresses(3, 'later');
        for (const email of emails) await signUpOk(srv, { email, month: M1 });

        const first = await runSendExpect(srv, sendTime(M1), 3);
        assert.deepEqual(sendSummary(first.stderr), { due: 3, sent: 0, failed: 0, deferred: 3 }, first.stderr);
        assert.equal(smtp.delivered.length, 0);
        assert.equal(smtp.rcptCount, 3 * (1 + RETRIES), `each reminder tried 1 + smtp_retries times: ${smtp.rcptCount} RCPTs`);
        assert.equal(rowCount(srv), 3, 'deferred reminders are kept');
        const counts = reminderCounts(srv);
        assert.equal(counts[`${M1} sent`], undefined, JSON.stringify(counts));
        assert.equal(counts[`${M1} failed`], undefined, JSON.stringify(counts));

        smtp.rcpt = null; // the server recovers
        const second = await runSendExpect(srv, sendTime(M1), 0);
        assert.deepEqual(sendSummary(second.stderr), { due: 3, sent: 3, failed: 0, deferred: 0 }, second.stderr);
        assert.deepEqual(Object.fromEntries(deliveriesByAddress(smtp.delivered)),
            Object.fromEntries(emails.map((e) => [e, 1])));
        assert.equal(rowCount(srv), 0);
        assert.equal(reminderCounts(srv)[`${M1} sent`], 3);
    });
});

test('no SMTP server listening: a temporary failure, kept, exit 3', { timeout: 60_000 }, async () => {
    await withPatron('reminders-nosmtp', {}, async (srv, smtp) => {
        await signUpOk(srv, { email: 'nobody.listening@retry.example', month: M1 });
        await smtp.close(); // the port is now closed
        const r = await runSendExpect(srv, sendTime(M1), 3);
        assert.deepEqual(sendSummary(r.stderr), { due: 1, sent: 0, failed: 0, deferred: 1 }, r.stderr);
        assert.equal(rowCount(srv), 1);
    });
});

test('a permanent refusal (5xx) erases the reminder and counts it failed; exit 0', { timeout: 60_000 }, async () => {
    const behaviour = {
        rcpt: (to) => (to === 'no.such.user@retry.example' ? [550, 'No such user here (test)'] : null),
        data: (message) => (message.envelope.to[0] === 'rejected.content@retry.example' ? [554, 'Rejected (test)'] : null),
    };
    await withPatron('reminders-permanent', behaviour, async (srv, smtp) => {
        const good = ['fine.one@retry.example', 'fine.two@retry.example'];
        for (const email of [...good, 'no.such.user@retry.example', 'rejected.content@retry.example']) {
            await signUpOk(srv, { email, month: M1 });
        }
        const r = await runSendExpect(srv, sendTime(M1), 0);
        assert.deepEqual(sendSummary(r.stderr), { due: 4, sent: 2, failed: 2, deferred: 0 }, r.stderr);
        assert.deepEqual(Object.fromEntries(deliveriesByAddress(smtp.delivered)),
            Object.fromEntries(good.map((e) => [e, 1])));
        const refusedRcpts = smtp.log.filter((l) => l.cmd === 'RCPT' && l.to === 'no.such.user@retry.example');
        assert.equal(refusedRcpts.length, 1, 'a 550 is not retried');
        assert.equal(smtp.seen.filter((m) => m.envelope.to[0] === 'rejected.content@retry.example').length, 1, 'a 554 is not retried');
        assert.equal(rowCount(srv), 0, 'the refused reminders are erased too');
        const counts = reminderCounts(srv);
        assert.equal(counts[`${M1} failed`], 2, JSON.stringify(counts));
        assert.equal(counts[`${M1} sent`], 2, JSON.stringify(counts));
        // Nothing is tried again.
        const rcpts = smtp.rcptCount;
        await runSendExpect(srv, sendTime(M1), 0);
        assert.equal(smtp.rcptCount, rcpts);
    });
});
