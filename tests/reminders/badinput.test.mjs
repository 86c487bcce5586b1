// Bad input on POST /v1/reminders: a 4xx with a clear message, nothing
// stored, the server unharmed; and the sign-up rate limit.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
    startPatron, stopAndAssertClean, signUp, signUpOk, postJson, postForm, rowCount, reminderCounts,
    assertJsonError, request, monthFromNow, sqlite, suite,
} from './lib.mjs';

let srv;
const t = suite(() => srv);

before(async () => {
    srv = await startPatron({ label: 'reminders-badinput' });
});

after(async () => {
    if (srv) await stopAndAssertClean(srv);
});

function assertNothingStored(what) {
    assert.equal(rowCount(srv), 0, `${what}: a reminder was stored`);
    assert.deepEqual(reminderCounts(srv), {}, `${what}: something was counted`);
}

const ADDRESS_EN = /check the address|name@example\.org/i;
const MONTH_EN = /next twelve months/i;

t('malformed addresses: 422 with a message in the reader\'s language', async () => {
    const bad = [
        'not-an-address', 'a@b', '@example.org', 'reader@', 'a@@example.org', 'two@at@example.org',
        'a b@example.org', 'reader@example..org', 'reader@.org', '"quoted"@example.org',
        'reader@example.org, other@example.org', '<reader@example.org>', 'reader@exämple.org',
        'reader@example.org\r\nBcc: victim@example.org', 'reader@example.org\nX: y', '', '  ', 'ab',
        `${'a'.repeat(250)}@example.org`,
    ];
    for (const email of bad) {
        const r = await signUp(srv, { email, month: monthFromNow(1) });
        assert.ok(r.status === 422 || r.status === 400, `${JSON.stringify(email)} answered ${r.status}: ${r.body}`);
        const error = assertJsonError(r, r.status);
        if (r.status === 422) assert.match(error.message, ADDRESS_EN, `${JSON.stringify(email)}: ${r.body}`);
        assertNothingStored(JSON.stringify(email));
    }
    const ru = await signUp(srv, { email: 'not-an-address', language: 'ru' });
    assert.match(assertJsonError(ru, 422).message, /Проверьте адрес/, ru.body);
    assertNothingStored('a Russian malformed address');
});

t('a month outside the next twelve, or not a month: 4xx naming the problem', async () => {
    const bad = [
        monthFromNow(0), monthFromNow(-1), monthFromNow(13), monthFromNow(24), '1999-12', '2026-13',
        '2026-00', '2026-1', '26-12', 'Decembr', '2026/12', '2026-1a', '',
    ];
    for (const month of bad) {
        const r = await signUp(srv, { email: 'reader@example.org', month });
        if (month === '') {
            // An empty month means "the default" (documented): allowed.
            assert.equal(r.status, 200, `an empty month answered ${r.status}: ${r.body}`);
            assert.equal(rowCount(srv), 1);
            await postForm(srv, '/reminders/cancel', { token: sqlite(srv, 'SELECT cancel_token FROM reminders')[0][0] });
            continue;
        }
        assert.equal(r.status, 422, `month ${JSON.stringify(month)} answered ${r.status}: ${r.body}`);
        assert.match(assertJsonError(r, 422).message, MONTH_EN, r.body);
        assert.equal(rowCount(srv), 0, `month ${month}: stored`);
    }
    const ru = await signUp(srv, { email: 'reader@example.org', month: monthFromNow(13), language: 'ru' });
    assert.match(assertJsonError(ru, 422).message, /двенадцати месяцев/, ru.body);
    // Longer than "YYYY-MM": refused by the JSON reader (400, in English).
    for (const month of ['December', 'December 2027', `${monthFromNow(1)}-05`]) {
        const tooLong = await signUp(srv, { email: 'reader@example.org', month });
        assert.ok(tooLong.status >= 400 && tooLong.status < 500, `${JSON.stringify(month)}: ${tooLong.status}`);
        assert.match(assertJsonError(tooLong, tooLong.status).message, /month/, tooLong.body);
        assert.equal(rowCount(srv), 0);
    }
    // The edges that are allowed: next month and twelve months ahead.
    for (const month of [monthFromNow(1), monthFromNow(12)]) {
        await signUpOk(srv, { email: `edge.${month}@example.org`, month });
    }
    assert.equal(rowCount(srv), 2);
    for (const [token] of sqlite(srv, 'SELECT cancel_token FROM reminders')) {
        await postForm(srv, '/reminders/cancel', { token });
    }
    assert.equal(rowCount(srv), 0);
});

t('a duplicate JSON key is refused (400), nothing stored', async () => {
    const before = reminderCounts(srv);
    for (const body of [
        `{"email":"first@example.org","email":"second@example.org","month":"${monthFromNow(1)}"}`,
        `{"email":"first@example.org","month":"${monthFromNow(1)}","month":"${monthFromNow(2)}"}`,
        `{"email":"first@example.org","language":"en","language":"ru"}`,
    ]) {
        const r = await postJson(srv, '/v1/reminders', body);
        assert.equal(r.status, 400, `${body} answered ${r.status}: ${r.body}`);
        assert.match(assertJsonError(r, 400).message, /duplicate/i, r.body);
        assert.equal(rowCount(srv), 0, body);
    }
    assert.deepEqual(reminderCounts(srv), before);
});

t('an oversized body: 413, nothing stored', async () => {
    const huge = JSON.stringify({ email: 'big@example.org', month: monthFromNow(1), campaign: 'x'.repeat(100_000) });
    const r = await postJson(srv, '/v1/reminders', huge);
    assert.equal(r.status, 413, `a ${huge.length}-byte body answered ${r.status}: ${r.body.slice(0, 300)}`);
    assert.equal(rowCount(srv), 0);
    // Within the body limit but an over-long field: a 4xx too.
    const longField = await signUp(srv, { email: 'big@example.org', month: monthFromNow(1), campaign: 'c'.repeat(5000) });
    assert.ok(longField.status >= 400 && longField.status < 500, `a 5000-character campaign answered ${longField.status}: ${longField.body}`);
    assertJsonError(longField, longField.status);
    assert.equal(rowCount(srv), 0);
});

t('wrong types, unknown keys, not JSON, no body: 400 with a message, nothing stored', async () => {
    const M = monthFromNow(1);
    const cases = [
        [{ email: 5, month: M }, /email/],
        [{ email: null, month: M }, /email/],
        [{ email: ['reader@example.org'], month: M }, /email/],
        [{ email: { address: 'reader@example.org' } }, /email/],
        [{ email: true }, /email/],
        [{ email: 'reader@example.org', month: 202701 }, /month/],
        [{ email: 'reader@example.org', month: [M] }, /month/],
        [{ email: 'reader@example.org', language: 1 }, /language/],
        [{ email: 'reader@example.org', campaign: {} }, /campaign/],
        [{ email: 'reader@example.org', variant: false }, /variant/],
        [{ month: M }, /email/],
        [{ email: 'reader@example.org', name: 'Reader' }, /name/],
        [['reader@example.org'], /object/i],
        ['"reader@example.org"', /object/i],
        ['{"email": "reader@example.org"', null],
        ['{"email": "reader@example.org"} trailing', null],
        ['not json at all', null],
        ['\u0000\u0001', null],
    ];
    for (const [value, re] of cases) {
        const r = await postJson(srv, '/v1/reminders', value);
        assert.equal(r.status, 400, `${JSON.stringify(value)} answered ${r.status}: ${r.body}`);
        const error = assertJsonError(r, 400);
        if (re) assert.match(error.message, re, `${JSON.stringify(value)}: ${r.body}`);
        assert.equal(rowCount(srv), 0, JSON.stringify(value));
    }
    const empty = await request(srv, 'POST', '/v1/reminders', { headers: { 'Content-Type': 'application/json', 'Content-Length': 0 } });
    assert.equal(empty.status, 400, `an empty body: ${empty.status}`);
    assertJsonError(empty, 400);
    const get = await request(srv, 'GET', '/v1/reminders');
    assert.ok(get.status === 405, `GET /v1/reminders answered ${get.status}`);
    assert.equal(rowCount(srv), 0);
    // Still alive and well.
    assert.equal((await request(srv, 'GET', '/healthz')).status, 200);
});

t('JSON as text/plain (the widget\'s sendBeacon) is accepted; no month means the documented default', async () => {
    const r = await postJson(srv, '/v1/reminders', { email: 'beacon@example.org' }, { contentType: 'text/plain;charset=UTF-8' });
    assert.equal(r.status, 200, r.body);
    // Before the 20th (UTC), next month; from the 20th, the month after.
    const expected = monthFromNow(new Date().getUTCDate() < 20 ? 1 : 2);
    assert.equal(JSON.parse(r.body).month, expected, r.body);
    assert.equal(rowCount(srv), 1);
});

test('the sign-up rate limit: the fourth of three per hour is a 429, and nothing is stored', { timeout: 60_000 }, async () => {
    const limited = await startPatron({ label: 'reminders-ratelimit', config: { reminder_signups_per_hour: '3' } });
    try {
        for (let i = 1; i <= 3; i++) await signUpOk(limited, { email: `rate.${i}@example.org`, month: monthFromNow(1) });
        const fourth = await signUp(limited, { email: 'rate.4@example.org', month: monthFromNow(1) });
        assert.match(assertJsonError(fourth, 429).message, /too many/i, fourth.body);
        assert.ok(fourth.headers['retry-after'], 'a Retry-After header');
        // The no-script form shares the limit.
        const form = await postForm(limited, '/reminders', { email: 'rate.5@example.org', month: monthFromNow(1), lang: 'en' });
        assert.equal(form.status, 429, `the form after the limit: ${form.status}`);
        assert.equal(rowCount(limited), 3, 'nothing stored past the limit');
        assert.equal(reminderCounts(limited)[`${monthFromNow(1)} signed_up`], 3);
    } finally {
        await stopAndAssertClean(limited);
    }
});
