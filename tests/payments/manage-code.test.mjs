// Pledges without an email address (issue 14): a bank transfer given with no
// address gets a manage code, shown once on the thank-you page in the
// browser that made the pledge; the code (POSTed to /manage/code, never in
// an address) opens exactly that pledge's page from anywhere; the manage
// page replaces it, and the old one is refused; a wrong code and an unknown
// one get the same answer, and guesses are rate-limited. Only the code's
// keyed hash is stored. The support page says, before the reader leaves,
// that Stripe's page asks for an address. Real SQLite, the real binary.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { http, sqlite, startPatron, stateAmount, startStandin, stopClean, withLog } from './lib.mjs';

const ATTEMPTS = 40; // pledge_attempts_per_hour: support POSTs and code guesses together
let standin;
let patron;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    patron = await startPatron({
        stripe: standin, label: 'manage-code',
        config: {
            currencies: 'USD, EUR',
            bank_iban: 'DE89 3704 0044 0532 0130 00',
            bank_holder: 'Stand-in Times e.V.',
            bank_bic: 'COBADEFFXXX',
            pledge_attempts_per_hour: String(ATTEMPTS),
        },
    });
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
});

const t = (name, fn) => test(name, { timeout: 60_000 }, withLog(() => patron, fn));

const CODE = /\b[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){5}\b/;

/** A transfer pledge without an address: {pledgeId, thanksPath, cookie}. */
async function anonymousTransfer(amount) {
    const form = { lang: 'en', frequency: 'monthly', currency: 'EUR', shown_currency: 'EUR', amount: 'other', other_amount: amount, rail_monthly: 'bank', email: '' };
    await stateAmount(patron, form);
    const r = await http(patron.base, 'POST', '/support', { form });
    assert.equal(r.status, 303, `the support form answered ${r.status}: ${r.body.slice(0, 600)}`);
    const next = new URL(r.location);
    const cookies = r.headers.getSetCookie();
    assert.equal(cookies.length, 1, `one cookie: ${cookies}`);
    assert.match(cookies[0], /^patron_code_[0-9a-f]{8}=[A-Za-z0-9_-]+; Path=\/thanks; Max-Age=86400; HttpOnly; SameSite=Lax$/);
    return { pledgeId: next.searchParams.get('pledge'), thanksPath: next.pathname + next.search, cookie: cookies[0].split(';')[0] };
}

/** The pledge id a manage page's token was made for (the token's first 32 bytes). */
function tokenPledge(body) {
    const token = /name="t" value="([A-Za-z0-9_-]+)"/.exec(body)?.[1];
    assert.ok(token, 'the manage page carries a token');
    return Buffer.from(token, 'base64url').subarray(0, 32).toString('latin1');
}

const openWith = (code) => http(patron.base, 'POST', '/manage/code', { form: { code } });

let first;  // {pledgeId, code}
let second;

t('the support page says Stripe asks for an address, and that a transfer needs none, before the reader leaves', async () => {
    const page = await http(patron.base, 'GET', '/support?currency=EUR');
    assert.equal(page.status, 200);
    assert.match(page.body, /Stripe&#39;s payment page asks for your email address|Stripe's payment page asks for your email address/);
    assert.match(page.body, /To give without an email address, choose a bank transfer/);
    const note = page.body.indexOf('patron-email-asked');
    assert.ok(note > 0 && note < page.body.indexOf('</form>'), 'the note is in the form, before the button');
    assert.match(page.body, /<a href="\/manage\/code">Gave without an email address\? Use your manage code\.<\/a>/, 'the support page links to the code page');
});

t('the thank-you page shows the code once, only in the browser that made the pledge, and never caches it', async () => {
    const a = await anonymousTransfer('7');
    // Another browser (or whoever learns the address of the page) first: no code made.
    const stranger = await http(patron.base, 'GET', a.thanksPath);
    assert.equal(stranger.status, 200);
    assert.doesNotMatch(stranger.body, CODE, 'a code shown without the cookie');
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM manage_codes WHERE pledge_id = '${a.pledgeId}'`)[0].n, 0);

    const shown = await http(patron.base, 'GET', a.thanksPath, { headers: { Cookie: `other=1; ${a.cookie}` } });
    assert.equal(shown.status, 200);
    assert.equal(shown.headers.get('cache-control'), 'no-store');
    const code = CODE.exec(shown.body)?.[0];
    assert.ok(code, `no code on the thank-you page:\n${shown.body.slice(0, 2000)}`);
    assert.match(shown.body, /shown only this once/);
    assert.match(shown.body, /nobody can recover it/);
    assert.match(shown.body, /find your pledge by its payment reference/);
    assert.match(shown.body, /href="\/manage\/code"/);
    const cleared = shown.headers.getSetCookie();
    assert.ok(cleared.some((c) => c.startsWith(a.cookie.split('=')[0] + '=;') && /Max-Age=0/.test(c)), `the cookie is cleared: ${cleared}`);

    // A reload, even with the cookie replayed, says it was shown and shows no code.
    for (const headers of [{ Cookie: a.cookie }, {}]) {
        const reload = await http(patron.base, 'GET', a.thanksPath, { headers });
        assert.equal(reload.status, 200);
        assert.doesNotMatch(reload.body, CODE);
        assert.match(reload.body, /was shown once/);
        assert.equal(reload.headers.get('cache-control'), 'no-store');
    }

    // Only the keyed hash is stored: the code is nowhere in the database.
    const rows = sqlite(patron.db, `SELECT hex(code_hash) AS hash FROM manage_codes WHERE pledge_id = '${a.pledgeId}'`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].hash.length, 64);
    const bytes = Buffer.concat([patron.db, patron.db + '-wal'].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    for (const form of [code, code.replace(/-/g, ''), code.toLowerCase()]) assert.equal(bytes.indexOf(Buffer.from(form)), -1, `the code (${form}) is in the database`);
    first = { pledgeId: a.pledgeId, code };

    const b = await anonymousTransfer('9');
    const other = await http(patron.base, 'GET', b.thanksPath, { headers: { Cookie: b.cookie } });
    second = { pledgeId: b.pledgeId, code: CODE.exec(other.body)?.[0] };
    assert.ok(second.code && second.code !== first.code);
});

t('a code opens exactly its pledge from anywhere, by POST only', async () => {
    const form = await http(patron.base, 'GET', '/manage/code');
    assert.equal(form.status, 200);
    assert.match(form.body, /<form method="post" action="\/manage\/code">/);
    assert.match(form.body, /nobody can recover it/);
    for (const [which, typed] of [[first, first.code], [second, second.code], [first, ` ${first.code.toLowerCase().replace(/-/g, ' ')} `]]) {
        const r = await openWith(typed);
        assert.equal(r.status, 200, r.body.slice(0, 400));
        assert.equal(r.location, null, 'no redirect: nothing goes into an address');
        assert.equal(r.headers.get('cache-control'), 'no-store');
        assert.equal(tokenPledge(r.body), which.pledgeId, 'the code opened another pledge');
        assert.ok(!r.body.includes(which.code), 'the manage page repeats the code');
    }
    const get = await http(patron.base, 'GET', `/manage/code?code=${encodeURIComponent(first.code)}`);
    assert.equal(get.status, 200);
    assert.ok(!/name="t"/.test(get.body), 'a code in the address opened the pledge');
});

t('a wrong code and an unknown one get the same answer', async () => {
    const flip = (code) => (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
    const answers = [];
    for (const typed of [flip(first.code), '0000-0000-0000-0000-0000-0000', 'hello', '', 'UUUU-UUUU-UUUU-UUUU-UUUU-UUUU', first.code + 'X']) {
        const r = await openWith(typed);
        answers.push({ status: r.status, body: r.body });
    }
    for (const a of answers) {
        assert.equal(a.status, 403);
        assert.equal(a.body, answers[0].body, 'the answers differ');
    }
    assert.match(answers[0].body, /does not open a pledge/);
});

t('the manage page replaces the code: the new one is shown once and the old one is refused', async () => {
    const opened = await openWith(first.code);
    const token = /name="t" value="([A-Za-z0-9_-]+)"/.exec(opened.body)[1];
    assert.match(opened.body, /Replace my manage code/);
    const rotated = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'code' } });
    assert.equal(rotated.status, 200, rotated.body.slice(0, 400));
    assert.equal(rotated.headers.get('cache-control'), 'no-store');
    const fresh = CODE.exec(rotated.body)?.[0];
    assert.ok(fresh && fresh !== first.code, 'a new code is shown');
    const refusedOld = await openWith(first.code);
    const refusedUnknown = await openWith('0000-0000-0000-0000-0000-0000');
    assert.equal(refusedOld.status, 403, 'the old code still opens the pledge');
    assert.equal(refusedOld.body, refusedUnknown.body);
    const r = await openWith(fresh);
    assert.equal(r.status, 200);
    assert.equal(tokenPledge(r.body), first.pledgeId);
    assert.ok(!r.body.includes(fresh), 'the new code is shown again');
    const stillSecond = await openWith(second.code);
    assert.equal(tokenPledge(stillSecond.body), second.pledgeId, "another pledge's code changed");
});

t('guesses are limited per client, like other guesses', async () => {
    let limited = null;
    for (let i = 0; i < ATTEMPTS + 5 && limited === null; i++) {
        const r = await openWith(`ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-${String(i).padStart(4, '0')}`);
        if (r.status === 429) limited = i;
        else assert.equal(r.status, 403);
    }
    assert.ok(limited !== null, `no limit within ${ATTEMPTS + 5} guesses`);
    const right = await openWith(second.code);
    assert.equal(right.status, 429, 'a right code gets through once the client is limited');
});
