// The dashboard's gate (docs/DASHBOARD.md): who may open which page, the CSRF
// token and cross-site refusal on every form, sign-in and its limits, the
// session cookie, sign-out, where `next` may lead, and the `patron admin`
// commands. One patron with a stand-in Stripe (for a real pledge to look at),
// accounts made on the command line, fetch over 127.0.0.1.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
    ADMIN_TOKEN, Client, LOGIN_COOKIE, PASSWORD, addUser, admin, csrfOf, http, sessionCookieOf, setCookiesOf, payAndReturn, signedIn, sqlite, startPatron,
    startStandin, stateDigest, stopClean, support, textOf, withLog,
} from './dashboard-lib.mjs';

let standin;
let patron;
let pledgeId;
const ADMIN = 'ana.admin@newsroom.example';
const EDITOR = 'ed.editor@newsroom.example';
const VIEWER = 'vi.viewer@newsroom.example';
const clients = {}; // role -> signed-in Client

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    patron = await startPatron({
        stripe: standin, seedDemo: true, label: 'dash',
        config: { demo_pages: 'true', client_address_header: 'X-Client' },
    });
    addUser(patron, ADMIN, 'admin');
    addUser(patron, EDITOR, 'editor');
    addUser(patron, VIEWER, 'viewer');
    const s = await support(patron, standin, { amount: '4' });
    assert.equal(s.status, 303, s.body);
    pledgeId = s.pledgeId;
    await payAndReturn(patron, standin, s.sessionId, { email: 'gate.donor@example.org' });
    await standin.idle();
    clients.admin = await signedIn(patron, ADMIN);
    clients.editor = await signedIn(patron, EDITOR);
    clients.viewer = await signedIn(patron, VIEWER);
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
});

const t = (name, fn, opts = {}) => test(name, { timeout: 60_000, ...opts }, withLog(() => patron, fn));
const ROLES = ['viewer', 'editor', 'admin'];
const rank = (role) => ROLES.indexOf(role);

/* Every dashboard route, the least role that may use it, and a form for the
 * POSTs that would change something if the gate let it through. */
const ROUTES = () => [
    { method: 'GET', path: '/dashboard/', role: 'viewer', ok: 303 },
    { method: 'GET', path: '/dashboard/campaigns', role: 'editor' },
    { method: 'GET', path: '/dashboard/campaigns/new', role: 'editor' },
    { method: 'GET', path: '/dashboard/campaigns/demo-2026', role: 'editor' },
    { method: 'GET', path: '/dashboard/campaigns/demo-2026/preview?variant=a&lang=en', role: 'editor' },
    { method: 'POST', path: '/dashboard/campaigns', role: 'editor', form: { id: 'gate-made', name: 'Gate', languages: 'en', 'v0.id': 'a', 'v0.text.en.headline': 'Gate' } },
    { method: 'POST', path: '/dashboard/campaigns/demo-2026', role: 'editor', form: { id: 'demo-2026', name: 'Changed by the gate test', languages: 'en' } },
    { method: 'POST', path: '/dashboard/campaigns/demo-2026/duplicate', role: 'editor' },
    { method: 'POST', path: '/dashboard/campaigns/demo-2026/live', role: 'editor' },
    { method: 'POST', path: '/dashboard/campaigns/demo-2026/end', role: 'editor' },
    { method: 'POST', path: '/dashboard/campaigns/demo-2026/draft', role: 'editor' },
    { method: 'POST', path: '/dashboard/campaigns/preview', role: 'editor', form: { languages: 'en', 'v0.id': 'a', 'v0.text.en.headline': 'Preview' }, safe: true },
    { method: 'GET', path: '/dashboard/reports', role: 'viewer' },
    { method: 'GET', path: '/dashboard/reports/funnel.csv', role: 'viewer' },
    { method: 'GET', path: '/dashboard/reports/verdict.csv', role: 'viewer' },
    { method: 'GET', path: '/dashboard/reports/supporters.csv', role: 'viewer' },
    { method: 'GET', path: '/dashboard/reports/daily.csv', role: 'viewer' },
    { method: 'GET', path: '/dashboard/donors', role: 'admin' },
    { method: 'GET', path: `/dashboard/donors/pledge/${pledgeId}`, role: 'admin' },
    { method: 'POST', path: '/dashboard/donors/find', role: 'admin', form: { email: 'gate.donor@example.org' } },
    { method: 'POST', path: '/dashboard/donors/export', role: 'admin', form: { email: 'gate.donor@example.org' } },
    { method: 'POST', path: '/dashboard/donors/erase', role: 'admin', form: { email: 'gate.donor@example.org', confirm: 'yes' } },
    { method: 'POST', path: `/dashboard/donors/pledge/${pledgeId}/cancel`, role: 'admin', form: { confirm: 'yes' } },
    { method: 'GET', path: '/dashboard/users', role: 'admin' },
    { method: 'POST', path: '/dashboard/users', role: 'admin', form: { email: 'intruder@example.org', role: 'admin', password: PASSWORD } },
    { method: 'POST', path: '/dashboard/users/disable', role: 'admin', form: { email: VIEWER } },
    { method: 'POST', path: '/dashboard/users/enable', role: 'admin', form: { email: VIEWER } },
    { method: 'POST', path: '/dashboard/users/password', role: 'admin', form: { email: VIEWER, password: 'taken over by the gate test' } },
    { method: 'GET', path: '/dashboard/audit', role: 'admin' },
    { method: 'GET', path: '/dashboard/audit.csv', role: 'admin' },
    { method: 'GET', path: '/dashboard/settings', role: 'admin' },
];

function locationOf(r) {
    return r.location ? new URL(r.location, patron.base) : null;
}

function assertToLogin(r, what, { expired = false, next } = {}) {
    assert.equal(r.status, 303, `${what}: expected 303 to sign-in, got ${r.status}: ${r.body.slice(0, 200)}`);
    const to = locationOf(r);
    assert.equal(to.origin, patron.base, `${what}: redirected off-site to ${r.location}`);
    assert.equal(to.pathname, '/dashboard/login', `${what}: redirected to ${r.location}`);
    assert.equal(to.searchParams.get('expired'), expired ? '1' : null, `${what}: expired flag in ${r.location}`);
    if (next !== undefined) assert.equal(to.searchParams.get('next'), next, `${what}: next in ${r.location}`);
}

t('the route table covers every section in the navigation', async () => {
    const page = await clients.admin.get('/dashboard/settings');
    const nav = /<nav[^>]*>([\s\S]*?)<\/nav>/.exec(page.body)[1];
    const links = [...nav.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(links, ['/dashboard/campaigns', '/dashboard/reports', '/dashboard/donors', '/dashboard/users', '/dashboard/audit', '/dashboard/settings']);
    const covered = new Set(ROUTES().map((r) => r.path.split('?')[0]));
    for (const link of links) assert.ok(covered.has(link), `${link} is missing from ROUTES`);
    // Each role sees only what it may open.
    const viewerNav = /<nav[^>]*>([\s\S]*?)<\/nav>/.exec((await clients.viewer.get('/dashboard/reports')).body)[1];
    assert.deepEqual([...viewerNav.matchAll(/href="([^"]+)"/g)].map((m) => m[1]), ['/dashboard/reports']);
});

t('anonymous: every GET is sent to sign-in with next, every POST too, and nothing changes', async () => {
    const before = stateDigest(patron);
    for (const route of ROUTES()) {
        const what = `anonymous ${route.method} ${route.path}`;
        const r = await http(patron.base, route.method, route.path, route.method === 'POST'
            ? { form: route.form ?? {}, headers: { 'Sec-Fetch-Site': 'same-origin' } } : {});
        assertToLogin(r, what, { next: route.method === 'POST' ? '/dashboard/' : route.path.split('?')[0] });
        assert.ok(!/text\/csv|application\/json/.test(r.headers.get('content-type') ?? ''), `${what} leaked a download`);
    }
    // A cookie that names no session is the same as none, but says "expired".
    const forged = await http(patron.base, 'GET', '/dashboard/users', { headers: { Cookie: '__Host-patron_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    assertToLogin(forged, 'a made-up cookie', { expired: true, next: '/dashboard/users' });
    assert.equal(stateDigest(patron), before, 'an anonymous request changed something');
});

t('a role below the route\'s gets 403 (with a valid token), and nothing changes', async () => {
    const before = stateDigest(patron);
    let refused = 0;
    for (const route of ROUTES()) {
        for (const role of ROLES) {
            if (rank(role) >= rank(route.role)) continue;
            const c = clients[role];
            const r = route.method === 'POST' ? await c.post(route.path, route.form ?? {}) : await c.get(route.path);
            const what = `${role} ${route.method} ${route.path}`;
            assert.equal(r.status, 403, `${what}: expected 403, got ${r.status}: ${r.body.slice(0, 300)}`);
            assert.match(textOf(r.body), new RegExp(`Your account is a ${role} account, which cannot open this page`), what);
            assert.match(r.headers.get('content-type'), /^text\/html/, `${what} must not answer a download`);
            refused++;
        }
    }
    const expected = ROUTES().reduce((n, r) => n + ROLES.filter((role) => rank(role) < rank(r.role)).length, 0);
    assert.equal(refused, expected);
    assert.ok(refused >= 35, `only ${refused} refusals were tried`);
    assert.equal(stateDigest(patron), before, 'a refused request changed something');
});

t('the right role gets the page: 200 for every GET, and past the gate on POST', async () => {
    for (const route of ROUTES()) {
        for (const role of ROLES) {
            if (rank(role) < rank(route.role)) continue;
            if (route.method === 'POST' && !route.safe) continue; // changes: tested in their own tests
            const c = clients[role];
            const r = route.method === 'POST' ? await c.post(route.path, route.form ?? {}) : await c.get(route.path);
            const what = `${role} ${route.method} ${route.path}`;
            assert.equal(r.status, route.ok ?? 200, `${what}: got ${r.status}: ${r.body.slice(0, 300)}`);
            if (route.path.endsWith('.csv')) {
                assert.match(r.headers.get('content-type'), /^text\/csv/, what);
                assert.match(r.headers.get('content-disposition') ?? '', /^attachment; filename="[^"]+\.csv"$/, what);
            } else if (r.status === 200) {
                assert.match(r.headers.get('content-type'), /^text\/html/, what);
            }
            assert.equal(r.headers.get('cache-control'), 'no-store', `${what}: dashboard answers are not cached`);
        }
    }
    const home = await clients.viewer.get('/dashboard/');
    assert.equal(home.location, '/dashboard/reports', 'a viewer starts on the reports');
    const editorHome = await clients.editor.get('/dashboard/');
    assert.equal(editorHome.location, '/dashboard/campaigns', 'an editor starts on the campaigns');
});

t('a form without a valid CSRF token (missing, wrong, another session\'s) is refused with 403 and changes nothing', async () => {
    const c = clients.admin;
    const other = await signedIn(patron, EDITOR);
    const users = () => sqlite(patron.db, 'SELECT email FROM users ORDER BY email').map((u) => u.email);
    const before = stateDigest(patron);
    const usersBefore = users();
    const attempts = [
        ['missing', null],
        ['empty', ''],
        ['wrong', 'x'.repeat(43)],
        ['another session\'s', other.csrf],
        ['almost right', c.csrf.slice(0, -1) + (c.csrf.endsWith('A') ? 'B' : 'A')],
    ];
    const forms = [
        ['/dashboard/users', { email: 'csrf.victim@example.org', role: 'admin', password: PASSWORD }],
        ['/dashboard/users/disable', { email: EDITOR }],
        ['/dashboard/users/password', { email: VIEWER, password: 'a password from elsewhere' }],
        ['/dashboard/donors/erase', { email: 'gate.donor@example.org', confirm: 'yes' }],
        [`/dashboard/donors/pledge/${pledgeId}/cancel`, { confirm: 'yes' }],
        ['/dashboard/campaigns/demo-2026/end', {}],
        ['/dashboard/campaigns', { id: 'csrf-made', name: 'CSRF', languages: 'en', 'v0.id': 'a', 'v0.text.en.headline': 'CSRF' }],
        ['/dashboard/logout', {}],
    ];
    const token = c.csrf;
    for (const [path, form] of forms) {
        for (const [kind, csrf] of attempts) {
            const r = await c.post(path, form, { csrf });
            assert.equal(r.status, 403, `${kind} token on ${path}: got ${r.status}: ${r.body.slice(0, 300)}`);
            assert.match(textOf(r.body), /nothing was changed/, `${kind} token on ${path}`);
        }
        // The right token in the wrong header is as bad as none.
        const header = await c.post(path, form, { csrf: null, headers: { 'X-CSRF-Token': other.csrf } });
        assert.equal(header.status, 403, `another session's token in X-CSRF-Token on ${path}`);
    }
    c.csrf = token;
    assert.equal(stateDigest(patron), before, 'a refused form changed something');
    assert.deepEqual(users(), usersBefore);
    const list = await c.get('/dashboard/users');
    assert.doesNotMatch(list.body, /csrf\.victim/, 'the users page lists no account made without a token');
    assert.equal((await c.get('/dashboard/settings')).status, 200, 'still signed in: sign-out without a token did nothing');
    // The token in the header works like the field (what dashboard.js sends).
    const viaHeader = await c.post('/dashboard/users', { email: 'via.header@example.org', role: 'viewer', password: PASSWORD }, { csrf: null, headers: { 'X-CSRF-Token': token } });
    assert.equal(viaHeader.status, 200, viaHeader.body.slice(0, 300));
    assert.ok(users().includes('via.header@example.org'));
});

t('a cross-site POST is refused even with a valid token, and changes nothing', async () => {
    const c = clients.admin;
    const before = stateDigest(patron);
    for (const [path, form] of [
        ['/dashboard/users', { email: 'cross.site@example.org', role: 'admin', password: PASSWORD }],
        ['/dashboard/users/disable', { email: EDITOR }],
        ['/dashboard/donors/erase', { email: 'gate.donor@example.org', confirm: 'yes' }],
        ['/dashboard/campaigns/demo-2026/end', {}],
        ['/dashboard/logout', {}],
        ['/dashboard/login', { email: ADMIN, password: PASSWORD }],
    ]) {
        const r = await c.post(path, form, { site: 'cross-site' });
        assert.equal(r.status, 403, `cross-site ${path}: got ${r.status}: ${r.body.slice(0, 300)}`);
        assert.match(textOf(r.body), /sent from another site, so nothing was changed/);
        assert.equal(r.headers.get('set-cookie'), null, `cross-site ${path} set a cookie`);
    }
    assert.equal(stateDigest(patron), before);
    assert.equal((await c.get('/dashboard/settings')).status, 200, 'still signed in');
    // Same-site and no header at all (an old browser, curl) pass to the token check.
    for (const site of ['same-site', null]) {
        const r = await c.post('/dashboard/users/enable', { email: VIEWER }, { site });
        assert.equal(r.status, 200, `Sec-Fetch-Site ${site}: ${r.body.slice(0, 200)}`);
    }
});

t('sign-in: a wrong password and an unknown account get the same answer', async () => {
    const c = new Client(patron, { client: 'same-answer' });
    const wrong = await c.signIn(VIEWER, 'not the password at all');
    const unknown = await c.signIn('nobody.here@newsroom.example', 'not the password at all');
    const malformed = await c.signIn('not-an-address', 'not the password at all');
    for (const [what, r, email] of [['wrong password', wrong, VIEWER], ['unknown account', unknown, 'nobody.here@newsroom.example'], ['malformed address', malformed, 'not-an-address']]) {
        assert.equal(r.status, 401, `${what}: ${r.status}`);
        assert.equal(r.setCookie, null, `${what} set a cookie`);
        assert.match(textOf(r.body), /That email address and password do not match an active account\./, what);
        // Apart from the address typed back into its field and the form's
        // fresh token, the pages are the same bytes.
        const same = (body, typed) => body.replace(`value="${typed}"`, 'value=""').replace(/name="csrf" value="[^"]*"/, 'name="csrf" value=""');
        assert.equal(same(r.body, email), same(wrong.body, VIEWER), `${what} answers differently`);
    }
    const empty = await c.signIn('', '');
    assert.equal(empty.status, 400);
    // The page itself: labelled fields, no CSRF needed before a session exists.
    const page = await http(patron.base, 'GET', '/dashboard/login');
    assert.equal(page.status, 200);
    assert.match(page.body, /<label for="email">Email address<\/label>/);
    assert.match(page.body, /<label for="password">Password<\/label>/);
    assert.match(page.body, /autocomplete="current-password"/);
});

t('the sign-in form has its own token (a double-submit cookie): without it nobody is signed in', async () => {
    const page = await http(patron.base, 'GET', '/dashboard/login');
    const token = csrfOf(page.body);
    assert.match(token ?? '', /^[A-Za-z0-9_-]{43}$/, 'the sign-in form carries a token');
    const line = setCookiesOf(page.headers).find((l) => l.startsWith(`${LOGIN_COOKIE}=`));
    assert.ok(line, 'the sign-in page sets its cookie');
    assert.equal(/^[^=]+=([^;]*)/.exec(line)[1], token, 'the cookie repeats the form\'s token');
    const attrs = line.split(';').slice(1).map((a) => a.trim().toLowerCase());
    for (const a of ['httponly', 'secure', 'samesite=strict', 'path=/']) assert.ok(attrs.includes(a), `${line} lacks ${a}`);
    const other = csrfOf((await http(patron.base, 'GET', '/dashboard/login')).body);
    const sessions = () => sqlite(patron.db, 'SELECT count(*) AS n FROM sessions')[0].n;
    const before = sessions();
    for (const [what, cookie, field] of [
        ['no cookie, no field', null, null],
        ['a field but no cookie', null, token],
        ['a cookie but no field', token, null],
        ['another form\'s token', token, other],
        ['a made-up pair (the right length)', 'A'.repeat(43), 'B'.repeat(43)],
    ]) {
        const form = { email: VIEWER, password: PASSWORD };
        if (field !== null) form.csrf = field;
        const headers = { 'Sec-Fetch-Site': 'same-origin', 'X-Client': 'login-token' };
        if (cookie !== null) headers.Cookie = `${LOGIN_COOKIE}=${cookie}`;
        const r = await http(patron.base, 'POST', '/dashboard/login', { form, headers });
        assert.equal(r.status, 403, `${what}: ${r.status}`);
        assert.equal(sessionCookieOf(r.headers), null, `${what} signed in`);
        assert.match(textOf(r.body), /This sign-in form had expired or came from elsewhere/);
        assert.ok(csrfOf(r.body), `${what}: the answer is a fresh form`);
    }
    assert.equal(sessions(), before, 'no session was made');
    // The pair from one page works (what Client.signIn does).
    const ok = await http(patron.base, 'POST', '/dashboard/login', {
        form: { email: VIEWER, password: PASSWORD, csrf: token },
        headers: { 'Sec-Fetch-Site': 'same-origin', Cookie: `${LOGIN_COOKIE}=${token}`, 'X-Client': 'login-token' },
    });
    assert.equal(ok.status, 303, ok.body.slice(0, 300));
    assert.ok(sessionCookieOf(ok.headers));
});

t('sign-in limits: 5 failures lock that client out of the account, not its owner elsewhere; 20 from one client stop that client', async () => {
    addUser(patron, 'locked.out@newsroom.example', 'viewer');
    const c = new Client(patron, { client: 'limit-account' });
    for (let i = 0; i < 5; i++) {
        const r = await c.signIn('locked.out@newsroom.example', `guess number ${i} is wrong`);
        assert.equal(r.status, 401, `failure ${i + 1}`);
    }
    // Locked for that client: even the right password fails there, with the same answer.
    const locked = await new Client(patron, { client: 'limit-account' }).signIn('locked.out@newsroom.example');
    assert.equal(locked.status, 401, `the right password from the guessing client after 5 failures: ${locked.status}`);
    assert.equal(locked.setCookie, null);
    assert.match(textOf(locked.body), /do not match an active account/);
    // The account's owner, from another client, still signs in: the guesser
    // knew the address, and that must not be enough to keep them out.
    const owner = await new Client(patron, { client: 'limit-elsewhere' }).signIn('locked.out@newsroom.example');
    assert.equal(owner.status, 303, `the right password from another client: ${owner.status}`);
    assert.ok(owner.setCookie);
    // The owner's sign-in does not unlock the guesser.
    assert.equal((await new Client(patron, { client: 'limit-account' }).signIn('locked.out@newsroom.example')).status, 401);
    // Other accounts are not affected; reset-password unlocks (tested with the CLI below).
    assert.equal((await new Client(patron, { client: 'limit-account' }).signIn(VIEWER)).status, 303);

    // Twenty failures from one client, each on a different address: the client stops.
    const flood = new Client(patron, { client: 'limit-client' });
    for (let i = 0; i < 20; i++) {
        const r = await flood.signIn(`flood${i}@newsroom.example`, 'wrong password here');
        assert.equal(r.status, 401, `client failure ${i + 1}: ${r.status}`);
    }
    const stopped = await flood.signIn(VIEWER);
    assert.equal(stopped.status, 429, `the 21st attempt from the client, right password: ${stopped.status}`);
    assert.match(textOf(stopped.body), /Too many failed sign-ins from here/);
    assert.equal(stopped.setCookie, null);
    assert.equal((await new Client(patron, { client: 'limit-other-client' }).signIn(VIEWER)).status, 303, 'another client still signs in');
    // Nothing about the attempts is kept in clear.
    const failures = sqlite(patron.db, 'SELECT hex(account_hash) AS a, hex(client_hash) AS c FROM login_failures');
    assert.ok(failures.length >= 20);
    assert.ok(failures.every((f) => /^[0-9A-F]{64}$/.test(f.a) && /^[0-9A-F]{64}$/.test(f.c)));
});

t('the session cookie: __Host-, Secure, HttpOnly, SameSite=Strict, Path=/, 12 hours; only its hash is stored', async () => {
    const c = new Client(patron, { client: 'cookie' });
    const r = await c.signIn(EDITOR, PASSWORD, { next: '/dashboard/reports' });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/dashboard/reports');
    const parts = r.setCookie.line.split(';').map((s) => s.trim());
    assert.match(parts[0], /^__Host-patron_session=[A-Za-z0-9_-]{43}$/);
    const attrs = parts.slice(1).map((a) => a.toLowerCase());
    for (const a of ['httponly', 'secure', 'samesite=strict', 'path=/', 'max-age=43200']) {
        assert.ok(attrs.includes(a), `cookie lacks ${a}: ${r.setCookie.line}`);
    }
    assert.ok(!attrs.some((a) => a.startsWith('domain')), `a __Host- cookie has no Domain: ${r.setCookie.line}`);
    const stored = sqlite(patron.db, 'SELECT hex(token_hash) AS h FROM sessions').map((s) => s.h);
    const raw = Buffer.from(c.cookie, 'base64url').toString('hex').toUpperCase();
    assert.ok(!stored.includes(raw), 'the token itself is in the sessions table');
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM sessions WHERE instr(CAST(token_hash AS TEXT), '${c.cookie}') > 0`)[0].n, 0);
    // The CSRF token differs from the cookie's token and per session.
    const page = await c.get('/dashboard/reports');
    assert.notEqual(csrfOf(page.body), c.cookie);
    assert.notEqual(csrfOf(page.body), clients.editor.csrf);
});

t('sign-out ends the session on the server: the old cookie no longer works', async () => {
    const c = await signedIn(patron, EDITOR);
    const cookie = c.cookie;
    const sessions = () => sqlite(patron.db, 'SELECT count(*) AS n FROM sessions')[0].n;
    const before = sessions();
    const get = await http(patron.base, 'GET', '/dashboard/logout', { headers: c.headers() });
    assert.equal(get.status, 405, 'sign-out is a POST');
    const r = await c.post('/dashboard/logout');
    assert.equal(r.status, 303);
    assert.equal(r.location, '/dashboard/login?signed_out=1');
    assert.match(r.headers.get('set-cookie') ?? '', /^__Host-patron_session=;.*Max-Age=0/i, 'the cookie is cleared');
    assert.equal(sessions(), before - 1, 'the session row is gone');
    // A copy of the cookie kept by someone else is worthless now.
    const replay = await http(patron.base, 'GET', '/dashboard/campaigns', { headers: { Cookie: `__Host-patron_session=${cookie}` } });
    assertToLogin(replay, 'the old cookie', { expired: true, next: '/dashboard/campaigns' });
    const replayPost = await http(patron.base, 'POST', '/dashboard/campaigns/demo-2026/end', {
        form: { csrf: c.csrf }, headers: { Cookie: `__Host-patron_session=${cookie}`, 'Sec-Fetch-Site': 'same-origin' },
    });
    assertToLogin(replayPost, 'a form with the old cookie', { expired: true, next: '/dashboard/' });
    const page = await http(patron.base, 'GET', '/dashboard/login?signed_out=1');
    assert.match(textOf(page.body), /You have signed out\./);
    const audit = sqlite(patron.db, "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1");
    assert.equal(audit[0].action, 'logout');
});

t('next never leads off the dashboard', async () => {
    const c = new Client(patron, { client: 'next' });
    const hostile = [
        'https://evil.example', '//evil.example', '/\\evil.example', '\\\\evil.example', '/dashboard/..//x',
        '/dashboard//evil.example', 'javascript:alert(1)', '/dashboard/\r\nLocation: https://evil.example',
        'https:/evil.example', '/login', ' /dashboard/x', '/dashboard/"><script>alert(1)</script>',
        'http://127.0.0.1:1/dashboard/', '/%2F%2Fevil.example',
    ];
    for (const next of hostile) {
        const r = await c.signIn(VIEWER, PASSWORD, { next });
        assert.equal(r.status, 303, `next=${JSON.stringify(next)}`);
        assert.equal(r.location, '/dashboard/', `next=${JSON.stringify(next)} led to ${r.location}`);
        const page = await http(patron.base, 'GET', `/dashboard/login?next=${encodeURIComponent(next)}`);
        const field = /name="next" value="([^"]*)"/.exec(page.body);
        assert.equal(field?.[1], '/dashboard/', `the login page kept next=${JSON.stringify(next)} as ${field?.[1]}`);
    }
    for (const next of ['/dashboard/reports', '/dashboard/campaigns/demo-2026']) {
        const r = await c.signIn(VIEWER, PASSWORD, { next });
        assert.equal(r.location, next);
        assert.equal(new URL(r.location, patron.base).origin, patron.base);
    }
    // Signed in, the login page passes on to next, with the same rule.
    const signed = await http(patron.base, 'GET', `/dashboard/login?next=${encodeURIComponent('//evil.example')}`, { headers: c.headers() });
    assert.equal(signed.status, 303);
    assert.equal(signed.location, '/dashboard/');
});

t('patron admin: add-user, list-users, disable-user, enable-user, reset-password, and their refusals', async () => {
    const email = 'cli.user@newsroom.example';
    // Refusals: exit status 2 for what the caller got wrong, nothing added.
    const badRole = admin(patron, ['add-user', email, '--role', 'owner'], { password: PASSWORD });
    assert.equal(badRole.status, 2, badRole.stderr);
    assert.match(badRole.stderr, /--role admin, editor or viewer/);
    const noRole = admin(patron, ['add-user', email], { password: PASSWORD });
    assert.equal(noRole.status, 2, noRole.stderr);
    const short = admin(patron, ['add-user', email, '--role', 'editor'], { password: 'eleven char' });
    assert.equal(short.status, 2, short.stderr);
    assert.match(short.stderr, /12 to 1024 bytes/);
    const badEmail = admin(patron, ['add-user', 'not an address', '--role', 'editor'], { password: PASSWORD });
    assert.equal(badEmail.status, 2, badEmail.stderr);
    const noEmail = admin(patron, ['add-user', '--role', 'editor'], { password: PASSWORD });
    assert.equal(noEmail.status, 2, noEmail.stderr);
    const unknownSub = admin(patron, ['delete-user', email]);
    assert.equal(unknownSub.status, 2, unknownSub.stderr);
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM users WHERE email = '${email}'`)[0].n, 0);

    // add-user (password from standard input here), list-users.
    const add = admin(patron, ['add-user', email, '--role', 'editor'], { input: `${PASSWORD}\n` });
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stderr, /done: add-user/);
    assert.equal(admin(patron, ['add-user', email, '--role', 'editor'], { password: PASSWORD }).status, 1, 'a second account for the address');
    const list = admin(patron, ['list-users']);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${email.replace(/\./g, '\\.')}\\s+editor\\s+active\\s+since \\d{4}-\\d{2}-\\d{2}$`, 'm'));
    for (const e of [ADMIN, EDITOR, VIEWER]) assert.ok(list.stdout.includes(e), `list-users lacks ${e}`);
    assert.doesNotMatch(list.stdout, /\$argon2/, 'list-users shows no hash');
    const hash = sqlite(patron.db, `SELECT password_hash AS h FROM users WHERE email = '${email}'`)[0].h;
    assert.match(hash, /^\$argon2id\$/);
    assert.ok(!hash.includes(PASSWORD));

    // disable-user: an open session ends and sign-in fails; enable-user undoes it.
    const c = await signedIn(patron, email, PASSWORD, '/dashboard/campaigns');
    const off = admin(patron, ['disable-user', email]);
    assert.equal(off.status, 0, off.stderr);
    assert.match(admin(patron, ['list-users']).stdout, new RegExp(`${email.replace(/\./g, '\\.')}\\s+editor\\s+disabled`));
    assertToLogin(await c.get('/dashboard/campaigns'), 'a disabled user\'s session', { expired: true });
    const refused = await new Client(patron, { client: 'cli' }).signIn(email);
    assert.equal(refused.status, 401, 'a disabled user cannot sign in');
    assert.match(textOf(refused.body), /do not match an active account/);
    assert.equal(admin(patron, ['enable-user', email]).status, 0);
    assert.equal((await new Client(patron, { client: 'cli' }).signIn(email)).status, 303);

    // reset-password: the old password fails, the new one works, sessions end.
    const d = await signedIn(patron, email, PASSWORD, '/dashboard/campaigns');
    const reset = admin(patron, ['reset-password', email], { password: 'a brand new passphrase' });
    assert.equal(reset.status, 0, reset.stderr);
    assertToLogin(await d.get('/dashboard/campaigns'), 'a session after reset-password', { expired: true });
    assert.equal((await new Client(patron, { client: 'cli' }).signIn(email)).status, 401, 'the old password');
    assert.equal((await new Client(patron, { client: 'cli' }).signIn(email, 'a brand new passphrase')).status, 303, 'the new one');
    assert.equal(admin(patron, ['reset-password', email], { password: 'short' }).status, 2);
    assert.equal(admin(patron, ['reset-password', 'nobody@newsroom.example'], { password: PASSWORD }).status, 1);
    assert.equal(admin(patron, ['disable-user', 'nobody@newsroom.example']).status, 1);

    // reset-password unlocks an account locked by failures (see the limits test).
    assert.equal(admin(patron, ['reset-password', 'locked.out@newsroom.example'], { password: PASSWORD }).status, 0);
    assert.equal((await new Client(patron, { client: 'limit-account' }).signIn('locked.out@newsroom.example')).status, 303, 'unlocked');

    // The command line's changes are in the audit log as "command line".
    const audit = await clients.admin.get('/dashboard/audit.csv');
    assert.equal(audit.status, 200);
    assert.match(audit.body, /^time,who,action,detail\r\n/);
    assert.match(audit.body, new RegExp(`command line,[a-z_]+,[^\\r\\n]*${email.replace(/\./g, '\\.')}`));

    // The admin API's changes are there too, as "admin API".
    const api = await http(patron.base, 'POST', '/v1/admin/campaigns/demo-2026/end', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(api.status, 200, api.body);
    assert.equal((await http(patron.base, 'POST', '/v1/admin/campaigns/demo-2026/live', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 200);
    const after = await clients.admin.get('/dashboard/audit.csv');
    assert.match(after.body, /admin API,api_campaign_ended,demo-2026\r\n/);
    assert.match(after.body, /admin API,api_campaign_live,demo-2026\r\n/);
});

t('users page: an admin adds, disables and re-enables a user, and resets a password', async () => {
    const c = clients.admin;
    const email = 'page.user@newsroom.example';
    const add = await c.post('/dashboard/users', { email, role: 'viewer', password: PASSWORD });
    assert.equal(add.status, 200, add.body.slice(0, 300));
    assert.match(textOf(add.body), /The user was added\./);
    assert.match(textOf(add.body), new RegExp(`${email.replace(/\./g, '\\.')} viewer active`));
    const again = await c.post('/dashboard/users', { email, role: 'viewer', password: PASSWORD });
    assert.equal(again.status, 409);
    const badRole = await c.post('/dashboard/users', { email: 'other.page@newsroom.example', role: 'owner', password: PASSWORD });
    assert.equal(badRole.status, 422);
    const shortPw = await c.post('/dashboard/users', { email: 'other.page@newsroom.example', role: 'viewer', password: 'short' });
    assert.equal(shortPw.status, 422);
    const u = await signedIn(patron, email);
    const off = await c.post('/dashboard/users/disable', { email });
    assert.equal(off.status, 200);
    assert.match(textOf(off.body), new RegExp(`${email.replace(/\./g, '\\.')} viewer disabled`));
    assertToLogin(await u.get('/dashboard/reports'), 'the disabled user', { expired: true });
    const self = await c.post('/dashboard/users/disable', { email: ADMIN });
    assert.equal(self.status, 409, 'nobody disables themselves');
    assert.equal((await c.post('/dashboard/users/enable', { email })).status, 200);
    const pw = await c.post('/dashboard/users/password', { email, password: 'set from the users page' });
    assert.equal(pw.status, 200);
    assert.equal((await new Client(patron, { client: 'users-page' }).signIn(email, 'set from the users page')).status, 303);
    const actions = sqlite(patron.db, `SELECT action FROM audit_log WHERE detail LIKE '%${email}%' ORDER BY id`).map((r) => r.action);
    assert.ok(actions.length >= 4, `audit entries for ${email}: ${actions}`);
});

t('campaign actions by an editor: create, save, duplicate, live, end, draft; each audited', async () => {
    const c = clients.editor;
    const doc = (id) => {
        const rows = sqlite(patron.db, `SELECT document FROM campaigns WHERE id = '${id}'`);
        return rows.length ? JSON.parse(rows[0].document) : null;
    };
    const form = (headline) => [
        ['id', 'gate-actions'], ['name', 'Actions'], ['status', 'draft'], ['priority', '5'], ['languages', 'en'],
        ['v0.id', 'a'], ['v0.frequencies', 'monthly'], ['v0.text.en.headline', headline],
    ];
    const created = await c.post('/dashboard/campaigns', form('First'));
    assert.equal(created.status, 303, created.body.slice(0, 400));
    assert.equal(created.location, '/dashboard/campaigns/gate-actions?notice=created');
    assert.equal(doc('gate-actions').variants[0].text.en.headline, 'First');
    const again = await c.post('/dashboard/campaigns', form('Twice'));
    assert.equal(again.status, 422, 'an id that exists is refused');
    assert.match(textOf(again.body), /A campaign called gate-actions exists/);
    const saved = await c.post('/dashboard/campaigns/gate-actions', form('Second'));
    assert.equal(saved.status, 303);
    assert.equal(doc('gate-actions').variants[0].text.en.headline, 'Second');
    const bad = await c.post('/dashboard/campaigns/gate-actions', form(''));
    assert.equal(bad.status, 422, 'a variant without text is refused');
    assert.equal(doc('gate-actions').variants[0].text.en.headline, 'Second', 'and nothing was saved');

    const copy = await c.post('/dashboard/campaigns/gate-actions/duplicate');
    assert.equal(copy.status, 303);
    assert.equal(copy.location, '/dashboard/campaigns/gate-actions-copy?notice=duplicated');
    assert.equal(doc('gate-actions-copy').status, 'draft');
    for (const [action, state] of [['live', 'live'], ['end', 'ended'], ['draft', 'draft']]) {
        const r = await c.post(`/dashboard/campaigns/gate-actions/${action}`);
        assert.equal(r.status, 303, `${action}: ${r.status}`);
        assert.equal(r.location, `/dashboard/campaigns?notice=${state === 'ended' ? 'ended' : state}&campaign=gate-actions`);
        assert.equal(doc('gate-actions').status, state, `after ${action}`);
    }
    // Actions are buttons, not links: a GET changes nothing.
    const get = await c.get('/dashboard/campaigns/gate-actions/live');
    assert.equal(get.status, 405);
    assert.equal(doc('gate-actions').status, 'draft');
    assert.equal((await c.get('/dashboard/campaigns/no-such-campaign')).status, 404);
    assert.equal((await c.post('/dashboard/campaigns/no-such-campaign/live')).status, 404);
    const actions = sqlite(patron.db, "SELECT action, detail FROM audit_log WHERE detail LIKE 'gate-actions%' ORDER BY id").map((r) => r.action);
    assert.deepEqual(actions, ['campaign_created', 'campaign_saved', 'campaign_duplicated', 'campaign_live', 'campaign_ended', 'campaign_draft']);
});

t('a save from a form opened before someone else\'s change is refused with 409, and their change stands', async () => {
    const c = clients.editor;
    const status = () => JSON.parse(sqlite(patron.db, "SELECT document FROM campaigns WHERE id = 'gate-stale'")[0].document).status;
    const form = (base) => [
        ['id', 'gate-stale'], ['name', 'Stale'], ['status', 'live'], ['languages', 'en'],
        ['v0.id', 'a'], ['v0.frequencies', 'monthly'], ['v0.text.en.headline', 'Hello'],
        ...(base === undefined ? [] : [['base', base]]),
    ];
    assert.equal((await c.post('/dashboard/campaigns', form())).status, 303);
    const opened = await c.get('/dashboard/campaigns/gate-stale');
    const base = /name="base" value="([0-9a-f]{32})"/.exec(opened.body)?.[1];
    assert.ok(base, 'the editor carries the version it was opened on');
    // Someone ends the campaign while the form is open...
    assert.equal((await c.post('/dashboard/campaigns/gate-stale/end')).status, 303);
    assert.equal(status(), 'ended');
    // ...and the old form, saved, must not bring it back to life.
    const stale = await c.post('/dashboard/campaigns/gate-stale', form(base));
    assert.equal(stale.status, 409, stale.body.slice(0, 300));
    assert.match(textOf(stale.body), /Someone changed campaign gate-stale since this form was opened/);
    assert.match(stale.body, /value="Hello"/, 'what the editor typed is still in the form');
    assert.equal(status(), 'ended', 'the end stands');
    // Opened again, it saves.
    const fresh = /name="base" value="([0-9a-f]{32})"/.exec((await c.get('/dashboard/campaigns/gate-stale')).body)[1];
    assert.notEqual(fresh, base);
    assert.equal((await c.post('/dashboard/campaigns/gate-stale', form(fresh))).status, 303);
    assert.equal(status(), 'live');
});

t('an oversized form is refused at once with 413, and the server goes on serving', async () => {
    const c = clients.admin;
    const before = stateDigest(patron);
    const started = Date.now();
    // One 4 MB value: before the fix each piece copied everything before it.
    const big = await c.post('/dashboard/users', { email: 'a'.repeat(4 * 1024 * 1024), role: 'viewer', password: 'x'.repeat(20) });
    assert.equal(big.status, 413);
    assert.match(textOf(big.body), /too many fields or too long a text/);
    // Sign-in takes only what a reader's request may carry.
    const login = await http(patron.base, 'POST', '/dashboard/login', { form: { email: 'b'.repeat(1024 * 1024), password: 'x' } });
    assert.equal(login.status, 413);
    // More fields than any editor form has.
    const many = Array.from({ length: 5000 }, (_, i) => [`f${i}`, 'x']);
    assert.equal((await c.post('/dashboard/users', many)).status, 413);
    assert.ok(Date.now() - started < 10_000, `answered in ${Date.now() - started} ms`);
    assert.equal((await http(patron.base, 'GET', '/healthz')).status, 200);
    assert.equal(stateDigest(patron), before, 'nothing changed');
});

/* ----------------------------------------------------------------------------
 * The campaign editor (issue 9): languages, parts, amounts, warnings, ending,
 * "Open on my article".
 * ------------------------------------------------------------------------- */

const editorDoc = (id) => {
    const rows = sqlite(patron.db, `SELECT document FROM campaigns WHERE id = '${id}'`);
    return rows.length ? JSON.parse(rows[0].document) : null;
};

t('a language added without script comes back with its boxes, not as a failure', async () => {
    const c = clients.editor;
    // The form as the editor showed it for "en", with "ru" typed into Languages.
    const form = [
        ['id', 'two-languages'], ['status', 'draft'], ['languages', 'en, ru'],
        ['v0.id', 'a'], ['v0.frequencies', 'monthly'], ['v0.text.en.headline', 'Support us'], ['v0.text.en.body', ''],
    ];
    const r = await c.post('/dashboard/campaigns', form);
    assert.equal(r.status, 200, `not an error: ${textOf(r.body).slice(0, 300)}`);
    assert.doesNotMatch(r.body, /Nothing was saved: \d/, 'no list of errors');
    assert.match(textOf(r.body), /Languages added: ru/);
    assert.match(r.body, /name="v0\.text\.ru\.headline"/, 'the ru boxes are there to fill in');
    assert.match(r.body, /value="Support us"/, 'what was typed is kept');
    assert.equal(editorDoc('two-languages'), null, 'nothing was stored');
    // Filled in, the next Create succeeds.
    const done = await c.post('/dashboard/campaigns', [...form, ['v0.text.ru.headline', 'Поддержите нас']]);
    assert.equal(done.status, 303, textOf(done.body).slice(0, 300));
    assert.deepEqual(editorDoc('two-languages').languages, ['en', 'ru']);
});

t('the preview shows the language being edited while another language is incomplete', async () => {
    const c = clients.editor;
    const form = [
        ['languages', 'en, ru'], ['v0.id', 'a'], ['v0.frequencies', 'monthly'],
        ['v0.text.en.headline', 'The English headline'], ['v0.text.ru.headline', ''],
    ];
    const en = await c.post('/dashboard/campaigns/preview', [...form, ['preview_language', 'en']]);
    assert.equal(en.status, 200);
    assert.match(en.body, /The English headline/);
    assert.doesNotMatch(en.body, /preview appears when the form is complete/);
    const ru = await c.post('/dashboard/campaigns/preview', [...form, ['preview_language', 'ru']]);
    assert.match(textOf(ru.body), /preview appears when the form is complete.*ru/s, 'the ru preview says what ru lacks');
    // answer=check: the whole form's errors and warnings, for the notes beside fields.
    const check = await c.post('/dashboard/campaigns/preview', [...form, ['answer', 'check'], ['v0.amounts.monthly.presets', '3'], ['v0.text.en.body', 'From $1 a month']]);
    assert.equal(check.status, 200);
    assert.match(check.headers.get('content-type'), /application\/json/);
    const notes = JSON.parse(check.body);
    // The id the preview does without is still missing for a save.
    assert.deepEqual(notes.errors.map((e) => e.id), ['f-id', 'f-v0-text-ru-headline']);
    assert.deepEqual(notes.warnings.map((w) => w.id), ['f-v0-text-en-body']);
});

t('the editor: rare parts folded, amounts per way to give, warnings beside the copy', async () => {
    const c = clients.editor;
    const page = await c.get('/dashboard/campaigns/new');
    assert.equal(page.status, 200);
    for (const part of ['Schedule', 'Audience: on which articles', 'Audience: which readers', 'Frequency: how often a reader sees it', 'A/B test']) {
        assert.match(page.body, new RegExp(`<details class="campaign-fold"><summary>${part.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')}`), `${part} is folded`);
    }
    for (const frequency of ['monthly', 'one_off', 'annual']) {
        assert.match(page.body, new RegExp(`<div class="amount-row" data-frequency="${frequency}">`));
        assert.match(page.body, new RegExp(`name="v0\\.amounts\\.${frequency}\\.presets"`));
    }
    assert.doesNotMatch(page.body, /in service/, 'plain words');
    // A part with an error opens; the default frequency's row is stored as presets.
    const form = [
        ['id', 'folded-parts'], ['status', 'draft'], ['languages', 'en'], ['test_id', 'Not An Id'],
        ['v0.id', 'a'], ['v0.frequencies', 'one_off'], ['v0.amounts.one_off.presets', '10, 25'], ['v0.amounts.one_off.default', '25'],
        ['v0.text.en.headline', 'Give from €5'],
    ];
    const refused = await c.post('/dashboard/campaigns', form);
    assert.equal(refused.status, 422);
    assert.match(refused.body, /<details class="campaign-fold" open><summary>A\/B test/);
    assert.match(refused.body, /id="f-v0-text-en-headline-warning"[^>]*>This text names €5, but the campaign takes USD/);
    const saved = await c.post('/dashboard/campaigns', form.filter(([k]) => k !== 'test_id'));
    assert.equal(saved.status, 303, textOf(saved.body).slice(0, 400));
    const variant = editorDoc('folded-parts').variants[0];
    assert.deepEqual([variant.presets, variant.default_amount, variant.amounts], [[1000, 2500], 2500, undefined]);
    const shown = await c.get('/dashboard/campaigns/folded-parts');
    assert.match(shown.body, /name="v0\.amounts\.one_off\.presets"[^>]*value="10, 25"|value="10, 25"[^>]*name="v0\.amounts\.one_off\.presets"/);
});

t('End asks first and is not offered on drafts; ending is still one POST', async () => {
    const c = clients.editor;
    const form = (status) => [['id', `end-${status}`], ['status', status], ['languages', 'en'], ['v0.id', 'a'], ['v0.frequencies', 'monthly'], ['v0.text.en.headline', 'Hello']];
    for (const status of ['draft', 'live']) assert.equal((await c.post('/dashboard/campaigns', form(status))).status, 303);
    const list = await c.get('/dashboard/campaigns');
    assert.doesNotMatch(list.body, /aria-label="End end-draft"|\/end-draft\/end/, 'a draft has no End');
    assert.match(list.body, /href="\/dashboard\/campaigns\/end-live\/end" aria-label="End end-live"/);
    assert.doesNotMatch(list.body, /<form[^>]*action="\/dashboard\/campaigns\/end-live\/end"/, 'End is not a button that ends at once');
    const ask = await c.get('/dashboard/campaigns/end-live/end');
    assert.equal(ask.status, 200);
    assert.match(textOf(ask.body), /Readers will no longer see/);
    assert.match(ask.body, /<form[^>]*action="\/dashboard\/campaigns\/end-live\/end"/);
    assert.equal(editorDoc('end-live').status, 'live', 'asking changes nothing');
    assert.equal((await c.post('/dashboard/campaigns/end-live/end')).status, 303);
    assert.equal(editorDoc('end-live').status, 'ended');
});

t('"Open on my article" for a draft: a short-lived signed link, never the admin token', async () => {
    const c = clients.editor;
    const form = [['id', 'open-draft'], ['status', 'draft'], ['languages', 'en'], ['v0.id', 'a'], ['v0.frequencies', 'monthly'], ['v0.text.en.headline', 'Draft']];
    assert.equal((await c.post('/dashboard/campaigns', form)).status, 303);
    const editor = await c.get('/dashboard/campaigns/open-draft');
    assert.match(editor.body, /<form class="campaign-open" method="get"[^>]*action="\/dashboard\/campaigns\/open-draft\/open"/);
    assert.match(textOf(editor.body), /Open on my article/);
    const live = await c.get('/dashboard/campaigns/demo-2026');
    assert.doesNotMatch(live.body, /campaign-open/, 'only drafts have it');
    const r = await c.get('/dashboard/campaigns/open-draft/open?article=' + encodeURIComponent('https://news.example/2027/story?ref=x#comments'));
    assert.equal(r.status, 303);
    const url = new URL(r.location);
    assert.equal(`${url.origin}${url.pathname}`, 'https://news.example/2027/story');
    assert.equal(url.searchParams.get('ref'), 'x');
    assert.equal(url.hash, '#comments');
    assert.equal(url.searchParams.get('patron_force'), 'open-draft:a');
    const token = url.searchParams.get('patron_preview');
    assert.match(token, /^[A-Za-z0-9_-]{100,}$/);
    assert.ok(!r.location.includes(ADMIN_TOKEN), 'the admin token stays on the server');
    // The article's widget passes the link on to /v1/appeal: the draft shows
    // with the token and the forced campaign it was made for, not without.
    const ask = async (query) => JSON.parse((await http(patron.base, 'POST', `/v1/appeal?${query}`, {
        body: JSON.stringify({ article: { id: 'story', language: 'en' }, reader: { bucket: 1 } }),
        headers: { 'Content-Type': 'text/plain' },
    })).body).appeal;
    assert.equal((await ask(`preview=${token}&force=open-draft:a`))?.campaign, 'open-draft');
    assert.notEqual((await ask('force=open-draft:a'))?.campaign, 'open-draft', 'no draft without the link');
    assert.notEqual((await ask(`preview=${token.slice(0, -2)}xx&force=open-draft:a`))?.campaign, 'open-draft', 'a tampered link shows nothing');
    // Signed with the server's key: another campaign's link differs, and so does a later one.
    const other = await c.get('/dashboard/campaigns/demo-2026/open?article=https://news.example/a');
    assert.notEqual(new URL(other.location).searchParams.get('patron_preview'), token);
    for (const bad of ['javascript:alert(1)', '//evil.example', 'https://news.example/a b', '']) {
        assert.equal((await c.get('/dashboard/campaigns/open-draft/open?article=' + encodeURIComponent(bad))).status, 400, bad);
    }
    assert.equal((await clients.viewer.get('/dashboard/campaigns/open-draft/open?article=https://news.example/a')).status, 403, 'editors only');
    assert.ok(sqlite(patron.db, "SELECT count(*) AS n FROM audit_log WHERE action = 'campaign_preview_link' AND detail = 'open-draft'")[0].n >= 1);
});
