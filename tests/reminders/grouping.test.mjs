// One address gets one email per send, however many sign-ups it has:
// the same month twice (written differently), or several months past due.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import {
    startSmtp, startPatron, stopAndAssertClean, signUpOk, reminderRows, reminderCounts, rowCount,
    runSendExpect, sendSummary, monthFromNow, sendTime, inMonth, deliveriesByAddress, suite,
} from './lib.mjs';

let smtp;
let srv;
const t = suite(() => srv);

const M1 = monthFromNow(1);
const M2 = monthFromNow(2);
const M3 = monthFromNow(3);

before(async () => {
    smtp = await startSmtp();
    srv = await startPatron({ smtpPort: smtp.port, label: 'reminders-grouping' });
});

after(async () => {
    if (srv) await stopAndAssertClean(srv);
    if (smtp) await smtp.close();
});

t('two sign-ups of one address in one month, spelt differently: one reminder, one email', async () => {
    await signUpOk(srv, { email: 'Twice@Example.ORG', month: M1, language: 'en', campaign: 'demo-2026', variant: 'a' });
    const first = reminderRows(srv);
    assert.equal(first.length, 1);
    // Spaces around it and another case: the same address, so the same reminder,
    // updated to the newer choices (language), keeping the first cancel token.
    const again = await signUpOk(srv, { email: '  twice@example.org\t', month: M1, language: 'ru' });
    assert.equal(again.month, M1);
    const rows = reminderRows(srv);
    assert.equal(rows.length, 1, `one row for one address and month: ${JSON.stringify(rows)}`);
    assert.equal(rows[0].token, first[0].token, 'the cancel token already sent out stays valid');
    assert.equal(rows[0].language, 'ru', 'the newer sign-up\'s language');
    assert.equal(reminderCounts(srv)[`${M1} signed_up`], 1, 'counted as one sign-up');

    const r = await runSendExpect(srv, sendTime(M1), 0);
    assert.deepEqual(sendSummary(r.stderr), { due: 1, sent: 1, failed: 0, deferred: 0 }, r.stderr);
    assert.equal(smtp.delivered.length, 1, 'one email');
    assert.deepEqual(smtp.delivered[0].envelope.to, ['twice@example.org']);
    assert.ok(smtp.delivered[0].text.includes(inMonth(M1, 'ru')), smtp.delivered[0].text);
    assert.equal(rowCount(srv), 0);
});

t('one address with sign-ups for two months, both past due: one email, both erased', async () => {
    const before = smtp.delivered.length;
    await signUpOk(srv, { email: 'two.months@example.org', month: M1 });
    await signUpOk(srv, { email: 'TWO.MONTHS@example.org', month: M2 });
    await signUpOk(srv, { email: 'bystander@example.org', month: M2 });
    assert.equal(rowCount(srv), 3);

    // A missed send: the first run is in M3, when M1 and M2 are both past.
    const r = await runSendExpect(srv, sendTime(M3), 0);
    assert.deepEqual(sendSummary(r.stderr), { due: 2, sent: 2, failed: 0, deferred: 0 }, r.stderr);
    const fresh = smtp.delivered.slice(before);
    const counts = deliveriesByAddress(fresh);
    assert.deepEqual(Object.fromEntries(counts), { 'two.months@example.org': 1, 'bystander@example.org': 1 });
    const text = fresh.find((m) => m.envelope.to[0] === 'two.months@example.org').text;
    assert.ok(text.includes(inMonth(M1, 'en')) || text.includes(inMonth(M2, 'en')),
        `the email names one of the months asked for:\n${text}`);
    assert.equal(rowCount(srv), 0, 'both sign-ups of the address are erased');

    // And nothing more on the next run, even later.
    await runSendExpect(srv, sendTime(monthFromNow(4)), 0);
    assert.equal(smtp.delivered.length, before + 2);
    const all = reminderCounts(srv);
    const sent = Object.entries(all).filter(([k]) => k.endsWith(' sent')).reduce((a, [, v]) => a + v, 0);
    assert.equal(sent, 3, `three emails counted in all: ${JSON.stringify(all)}`);
});
