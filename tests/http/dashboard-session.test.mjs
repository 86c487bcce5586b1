// Dashboard sessions end on the server's clock: 12 hours after sign-in
// whatever happens, and after 30 minutes without a request. patron is
// restarted on the same data with PATRON_CLOCK_OFFSET (seconds added to its
// clock); a cookie from before is sent back to sign-in with expired=1.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { Client, addUser, http, signedIn, sqlite, startPatron, stopClean, textOf, withLog } from './dashboard-lib.mjs';

let patron;
const EMAIL = 'clock.editor@newsroom.example';
const MINUTE = 60;
const HOUR = 3600;

before(async () => {
    patron = await startPatron({ seedDemo: true, label: 'dash-clock', config: { demo_pages: 'true', client_address_header: 'X-Client' } });
    addUser(patron, EMAIL, 'editor');
});
after(async () => { await stopClean(patron); });

const t = (name, fn) => test(name, { timeout: 90_000 }, withLog(() => patron, fn));

/** Restarts patron with its clock moved `seconds` ahead of the real one. */
async function clockAt(seconds) {
    const exit = await patron.stop();
    assert.deepEqual({ code: exit?.code, signal: exit?.signal }, { code: 0, signal: null }, 'patron stopped cleanly');
    await patron.start({ PATRON_CLOCK_OFFSET: String(seconds) });
}

function assertExpired(r, next) {
    assert.equal(r.status, 303, `expected a redirect to sign-in, got ${r.status}`);
    const to = new URL(r.location, patron.base);
    assert.equal(to.pathname, '/dashboard/login');
    assert.equal(to.searchParams.get('expired'), '1', r.location);
    assert.equal(to.searchParams.get('next'), next, r.location);
}

t('idle: a session used every 25 minutes lives on; 31 idle minutes end it', async () => {
    await clockAt(0);
    const c = await signedIn(patron, EMAIL, undefined, '/dashboard/reports');
    await clockAt(25 * MINUTE);
    assert.notEqual((await c.get('/dashboard/reports')).status, 303, 'alive after 25 idle minutes');
    await clockAt(50 * MINUTE);
    assert.notEqual((await c.get('/dashboard/reports')).status, 303, 'alive after 25 more: idle counts from the last request');
    await clockAt(81 * MINUTE);
    assertExpired(await c.get('/dashboard/campaigns'), '/dashboard/campaigns');
    assert.equal(sqlite(patron.db, 'SELECT count(*) AS n FROM sessions')[0].n, 0, 'the expired session row was deleted');
    // The sign-in page it leads to says why, and signing in again works.
    const page = await http(patron.base, 'GET', '/dashboard/login?expired=1&next=%2Fdashboard%2Fcampaigns');
    assert.equal(page.status, 200);
    assert.match(textOf(page.body), /Your session has ended\. Sign in again to go on\./);
    assert.match(page.body, /name="next" value="\/dashboard\/campaigns"/);
    const again = await new Client(patron).signIn(EMAIL, undefined, { next: '/dashboard/campaigns' });
    assert.equal(again.status, 303);
    assert.equal(again.location, '/dashboard/campaigns');
});

t('absolute: 12 hours after sign-in the session ends even if it was never idle', async () => {
    await clockAt(0);
    const c = await signedIn(patron, EMAIL, undefined, '/dashboard/reports');
    const token = c.csrf;
    // Keep it from going idle: mark it seen just before the jump (patron is
    // stopped, so this write does not race it). Only the absolute limit is left.
    await patron.stop();
    const jump = 12 * HOUR + MINUTE;
    const w = spawnSync('sqlite3', [patron.db, `UPDATE sessions SET last_seen_at = strftime('%s','now') + ${jump - MINUTE}`], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(w.status, 0, w.stderr);
    await patron.start({ PATRON_CLOCK_OFFSET: String(12 * HOUR - 2 * MINUTE) });
    assert.notEqual((await c.get('/dashboard/reports')).status, 303, 'alive two minutes before the 12 hours');
    await clockAt(jump);
    assertExpired(await c.get('/dashboard/reports'), '/dashboard/reports');
    // A form from the old page goes to sign-in too, and changes nothing.
    const post = await c.post('/dashboard/campaigns/demo-2026/end', {}, { csrf: token });
    assertExpired(post, '/dashboard/');
    assert.equal(sqlite(patron.db, "SELECT json_extract(document, '$.status') AS s FROM campaigns WHERE id = 'demo-2026'")[0].s ?? 'live', 'live');
});

t('a sign-in lock ends one window after the failures that set it, however often the locked client tries', async () => {
    const email = 'clock.locked@newsroom.example';
    addUser(patron, email, 'viewer');
    await clockAt(0);
    const guesser = () => new Client(patron, { client: 'clock-guesser' });
    for (let i = 0; i < 5; i++) assert.equal((await guesser().signIn(email, `wrong guess ${i}`)).status, 401, `failure ${i + 1}`);
    assert.equal((await guesser().signIn(email)).status, 401, 'locked for that client');
    // Ten minutes on, the locked client keeps trying, right and wrong.
    await clockAt(10 * MINUTE);
    for (let i = 0; i < 6; i++) {
        const r = await guesser().signIn(email, i % 2 ? undefined : `wrong again ${i}`);
        assert.equal(r.status, 401, `try ${i + 1} during the lock`);
    }
    // Meanwhile the account's owner signs in from elsewhere.
    assert.equal((await new Client(patron, { client: 'clock-owner' }).signIn(email)).status, 303, 'the owner is not locked out');
    // Fifteen minutes after the five failures, the lock is over: the tries
    // during it did not extend it.
    await clockAt(15 * MINUTE + 30);
    assert.equal((await guesser().signIn(email)).status, 303, 'the lock has ended');
});

t('session checks do not wait for password hashing: signed-in pages keep being answered while sign-ins hash', async () => {
    const email = 'clock.busy@newsroom.example';
    addUser(patron, email, 'viewer');
    await clockAt(0);
    const reader = await signedIn(patron, EMAIL, undefined, '/dashboard/reports');
    // Three streams of sign-ins (each an argon2id run of about 0.1 s) keep
    // three of the four slow workers hashing; the fourth answers a signed-in
    // page over and over. When a session check had to wait for the lock held
    // around each hash, the pages came at the pace of the sign-ins, about
    // one page per sign-in; without that wait they come many times faster.
    const LOGINS_PER_STREAM = 8;
    const deadline = Date.now() + 60_000;
    let logins = 0;
    let done = false;
    const stream = async (n) => {
        for (let i = 0; i < LOGINS_PER_STREAM && Date.now() < deadline; i++) {
            const r = await new Client(patron, { client: `busy-${n}-${i}` }).signIn(email);
            assert.ok(r.status === 303 || r.status === 503, `sign-in answered ${r.status}`);
            logins++;
        }
    };
    const streams = Promise.all([0, 1, 2].map(stream)).finally(() => { done = true; });
    let pages = 0;
    while (!done && Date.now() < deadline && pages < 10_000) {
        const r = await reader.get('/dashboard/reports');
        assert.equal(r.status, 200, `a signed-in page during sign-ins answered ${r.status}`);
        pages++;
    }
    await streams;
    assert.equal(logins, 3 * LOGINS_PER_STREAM, 'every sign-in was answered');
    assert.ok(pages >= 3 * logins, `${pages} signed-in pages were answered during ${logins} sign-ins: they waited for the hashing`);
});
