// Killed in the middle of a send, the next run finishes the job: every
// address gets its reminder, and at most one (the one in flight when the
// process died) gets it twice.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
    startSmtp, startPatron, stopAndAssertClean, signUpOk, reminderCounts, rowCount, startSend,
    runSendExpect, sendSummary, monthFromNow, sendTime, deliveriesByAddress, tail, sleep,
} from './lib.mjs';

const M1 = monthFromNow(1);
const N = 20;
const KILL_AFTER = 5; // accepted messages

async function killRun({ label, killInFlight }) {
    const smtp = await startSmtp({ dataDelayMs: 300 });
    let srv;
    try {
        srv = await startPatron({ smtpPort: smtp.port, label });
        const emails = Array.from({ length: N }, (_, i) => `killed.${String(i + 1).padStart(2, '0')}@kill.example`);
        for (const email of emails) await signUpOk(srv, { email, month: M1 });
        assert.equal(rowCount(srv), N);

        const run = startSend(srv, sendTime(M1), { timeoutMs: 60_000 });
        if (killInFlight) {
            // Kill while a message is in the SMTP server's hands, before its answer.
            let killed = false;
            for (let i = 0; i < 400 && !killed; i++) {
                if (smtp.delivered.length >= KILL_AFTER && smtp.seen.length > smtp.delivered.length) {
                    run.child.kill('SIGKILL');
                    killed = true;
                }
                await sleep(10);
            }
            assert.ok(killed, `the send never got ${KILL_AFTER} messages through (delivered ${smtp.delivered.length})`);
        } else {
            // Kill the moment the SMTP server has accepted a message: the client
            // may not even have read the 250, and certainly not recorded it.
            smtp.onAccepted = () => {
                if (smtp.delivered.length === KILL_AFTER) run.child.kill('SIGKILL');
            };
        }
        const first = await run.done;
        smtp.onAccepted = null;
        assert.equal(first.signal, 'SIGKILL', `the first send was not killed: ${JSON.stringify({ code: first.code, signal: first.signal })}\n${tail(first.stderr)}`);
        const afterKill = smtp.delivered.length;
        assert.ok(afterKill >= KILL_AFTER && afterKill < N, `delivered before the kill: ${afterKill}`);
        await sleep(400); // let a DATA that was in the server's hands settle

        const second = await runSendExpect(srv, sendTime(M1), 0);
        const summary = sendSummary(second.stderr);
        assert.equal(summary.deferred, 0, second.stderr);
        assert.equal(summary.failed, 0, second.stderr);

        const counts = deliveriesByAddress(smtp.delivered);
        const D = emails.filter((e) => counts.get(e) >= 1).length;
        const K = emails.filter((e) => counts.get(e) > 1).length;
        const strangers = [...counts.keys()].filter((e) => !emails.includes(e));
        console.log(`reminders ${N}, delivered ${D}, duplicates ${K}` +
            ` (${killInFlight ? 'killed with a message in flight' : 'killed right after an acceptance'}; ${afterKill} accepted before the kill)`);
        assert.deepEqual(strangers, []);
        assert.ok(K <= 1, `more than one address got its reminder twice: ${JSON.stringify([...counts].filter(([, n]) => n > 1))}`);
        assert.equal(D, N, `addresses without their reminder: ${JSON.stringify(emails.filter((e) => !counts.get(e)))}`);
        assert.ok(Math.max(...counts.values()) <= 2, 'no address three times');
        assert.equal(rowCount(srv), 0, 'every reminder erased after the second run');
        assert.equal(reminderCounts(srv)[`${M1} sent`], N, `sent counted once per address: ${JSON.stringify(reminderCounts(srv))}`);

        // A third run sends nothing.
        const before = smtp.delivered.length;
        await runSendExpect(srv, sendTime(M1), 0);
        assert.equal(smtp.delivered.length, before);
    } catch (e) {
        if (srv) e.message += `\n--- patron stderr ---\n${tail(srv.stderr, 3000)}`;
        throw e;
    } finally {
        if (srv) await stopAndAssertClean(srv);
        await smtp.close();
    }
}

test('SIGKILL right after the SMTP server accepts a message, then a second run', { timeout: 90_000 }, async () => {
    await killRun({ label: 'reminders-kill', killInFlight: false });
});

test('SIGKILL while a message is in the SMTP server\'s hands, then a second run', { timeout: 90_000 }, async () => {
    await killRun({ label: 'reminders-kill-inflight', killInFlight: true });
});
