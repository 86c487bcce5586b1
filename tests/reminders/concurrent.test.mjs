// Two sends at once (cron and the server's own schedule, or an operator's
// catch-up run): the lock file makes the second do nothing, so no address
// gets two emails.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
    startSmtp, startPatron, stopAndAssertClean, signUpOk, reminderCounts, rowCount, startSend,
    runSendExpect, monthFromNow, sendTime, deliveriesByAddress, tail,
} from './lib.mjs';

const M1 = monthFromNow(1);

test('two sends started together: each reminder is sent once, both exit 0', { timeout: 60_000 }, async () => {
    const smtp = await startSmtp({ dataDelayMs: 150 });
    let srv;
    try {
        srv = await startPatron({ smtpPort: smtp.port, label: 'reminders-concurrent' });
        const emails = Array.from({ length: 6 }, (_, i) => `together.${i + 1}@lock.example`);
        for (const email of emails) await signUpOk(srv, { email, month: M1 });

        const a = startSend(srv, sendTime(M1));
        const b = startSend(srv, sendTime(M1));
        const [ra, rb] = await Promise.all([a.done, b.done]);
        for (const r of [ra, rb]) {
            assert.ok(!r.timedOut, 'a send did not finish');
            assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null }, tail(r.stderr));
        }
        assert.ok(/another reminder send is running/.test(ra.stderr + rb.stderr),
            `neither send noticed the other:\n${ra.stderr}\n${rb.stderr}`);
        assert.deepEqual(Object.fromEntries(deliveriesByAddress(smtp.delivered)),
            Object.fromEntries(emails.map((e) => [e, 1])), 'each address exactly once');
        assert.equal(rowCount(srv), 0);
        assert.equal(reminderCounts(srv)[`${M1} sent`], emails.length);

        // The lock is released: a later run works (and has nothing to do).
        await runSendExpect(srv, sendTime(M1), 0);
        assert.equal(smtp.delivered.length, emails.length);
    } catch (e) {
        if (srv) e.message += `\n--- patron stderr ---\n${tail(srv.stderr, 3000)}`;
        throw e;
    } finally {
        if (srv) await stopAndAssertClean(srv);
        await smtp.close();
    }
});
