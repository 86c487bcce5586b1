// Issue 16, item 1: signing up for a reminder must not tell a web page (the
// API allows any origin) whether its visitor's address was already signed up:
// the same status, headers and body for a new address and a known one.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import {
    startPatron, stopAndAssertClean, reminderCounts, rowCount, monthFromNow, suite,
} from './lib.mjs';
import { answerBytes, assertSameAnswers } from '../http/same_answer.mjs';

let srv;
const t = suite(() => srv);
const M1 = monthFromNow(2);

before(async () => { srv = await startPatron({ label: 'reminders-oracle' }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

const json = (email) => answerBytes(srv.port, 'POST', '/v1/reminders', {
    headers: { 'Content-Type': 'application/json', Origin: 'https://elsewhere.example' },
    body: JSON.stringify({ email, month: M1, language: 'en', campaign: 'demo-2026', variant: 'a' }),
});

const form = (email) => answerBytes(srv.port, 'POST', '/reminders', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, month: M1, lang: 'en', campaign: 'demo-2026', variant: 'a' }).toString(),
});

t('POST /v1/reminders: a new address and a known one get the same bytes', async () => {
    const answers = {
        'a new address': await json('first@oracle.example'),
        'the same address again': await json('first@oracle.example'),
        'the same address spelt otherwise': await json(' FIRST@oracle.example '),
        'another new address': await json('second@oracle.example'),
    };
    assertSameAnswers(answers, 'POST /v1/reminders');
    assert.match(answers['a new address'], /^HTTP\/1\.1 200 /, answers['a new address']);
    assert.doesNotMatch(answers['a new address'], /created/, 'nothing in the answer names the address as new');
    // The books still count each address once.
    assert.equal(rowCount(srv), 2);
    assert.equal(reminderCounts(srv)[`${M1} signed_up`], 2);
});

t('POST /reminders (the no-script form): the same bytes too', async () => {
    const answers = {
        'a new address': await form('third@oracle.example'),
        'the same address again': await form('third@oracle.example'),
        'another new address': await form('fourth@oracle.example'),
    };
    assertSameAnswers(answers, 'POST /reminders');
    assert.match(answers['a new address'], /^HTTP\/1\.1 200 /, answers['a new address']);
    assert.equal(reminderCounts(srv)[`${M1} signed_up`], 4);
});
