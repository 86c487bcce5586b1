// Bad input around money: each a clear 4xx, and nothing changes (no pledge,
// no checkout at Stripe, no ledger row, no change at Stripe).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import {
    http, manageLink, payAndReturn, pledgeRow, sqlite, startPatron, startSmtp, startStandin, support, stopClean, withLog,
} from './lib.mjs';

let standin;
let smtp;
let patron;
let active;   // an active $2 monthly pledge: {pledgeId, sessionId, sub, link}

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, label: 'bad' });
    const s = await support(patron, standin, { amount: '2' });
    assert.equal(s.status, 303, s.body);
    await payAndReturn(patron, standin, s.sessionId, { email: 'bad.input@example.org' });
    await standin.idle();
    const [thanks] = await smtp.waitFor((m) => /^Thank you/.test(m.subject));
    active = { ...s, sub: [...standin.state.subscriptions.values()].find((x) => x.metadata.pledge_id === s.pledgeId), link: manageLink(thanks) };
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

const snapshot = () => ({
    pledges: sqlite(patron.db, 'SELECT id, status, amount_minor, checkout_id, subscription_id FROM pledges ORDER BY id'),
    history: sqlite(patron.db, 'SELECT count(*) AS n FROM pledge_history')[0].n,
    payments: sqlite(patron.db, 'SELECT count(*) AS n FROM payments')[0].n,
    sessions: standin.state.sessions.size,
    stripeWrites: standin.requests.filter((r) => r.method !== 'GET').length,
    quantity: standin.subscription(active.sub.id).items.data[0].quantity,
    subStatus: standin.subscription(active.sub.id).status,
});

test('the support form refuses bad amounts and currencies with 422, before any pledge or checkout', withLog(() => patron, async () => {
    const cases = [
        { name: 'below the monthly minimum', form: { frequency: 'monthly', amount: 'other', other_amount: '1', currency: 'USD' }, re: /minimum is \$2/ },
        { name: 'below the one-off minimum', form: { frequency: 'one_off', amount: 'other', other_amount: '0.50', currency: 'USD' }, re: /minimum/ },
        { name: 'zero', form: { frequency: 'monthly', amount: 'other', other_amount: '0', currency: 'USD' }, re: /minimum/ },
        { name: 'negative', form: { frequency: 'monthly', amount: 'other', other_amount: '-5', currency: 'USD' }, re: /amount/i },
        { name: 'a fraction of a cent', form: { frequency: 'monthly', amount: 'other', other_amount: '2.555', currency: 'USD' }, re: /amount|cent|decimal/i },
        { name: 'a fraction of a yen', form: { frequency: 'monthly', amount: 'other', other_amount: '500.5', currency: 'JPY' }, re: /amount|decimal|whole/i },
        { name: 'not a number', form: { frequency: 'monthly', amount: 'other', other_amount: '5 dollars', currency: 'USD' }, re: /number/ },
        { name: 'an unknown currency', form: { frequency: 'monthly', amount: 'other', other_amount: '5', currency: 'XYZ' }, re: /currency/ },
        { name: 'a lower-case currency code that is not ours', form: { frequency: 'monthly', amount: 'other', other_amount: '5', currency: 'rub' }, re: /currency/ },
        { name: 'an unknown frequency', form: { frequency: 'weekly', amount: 'other', other_amount: '5', currency: 'USD' }, re: /monthly/ },
        { name: 'above the maximum', form: { frequency: 'monthly', amount: 'other', other_amount: '2001', currency: 'USD' }, re: /most/ },
        { name: 'no amount', form: { frequency: 'monthly', currency: 'USD' }, re: /Enter an amount/ },
    ];
    const before = snapshot();
    for (const c of cases) {
        const r = await http(patron.base, 'POST', '/support', { form: { lang: 'en', ...c.form } });
        assert.equal(r.status, 422, `${c.name}: expected 422, got ${r.status} (Location ${r.location})`);
        assert.match(r.headers.get('content-type'), /^text\/html/);
        assert.match(r.body, /role="alert"/, `${c.name}: no error summary`);
        assert.match(r.body, c.re, `${c.name}: the message does not say what is wrong`);
    }
    assert.deepEqual(snapshot(), before, 'something changed');
}));

test('the manage page refuses a bad new amount with 422 and changes nothing at Stripe', withLog(() => patron, async () => {
    const token = new URL(active.link).searchParams.get('t');
    const before = snapshot();
    for (const amount of ['1', '1.5', '2.001', 'abc', '', '0', '99999']) {
        const r = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'amount', amount } });
        assert.equal(r.status, 422, `amount ${JSON.stringify(amount)}: ${r.status}`);
        assert.match(r.body, /aria-invalid="true"/);
    }
    const r = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'explode' } });
    assert.equal(r.status, 409);
    assert.deepEqual(snapshot(), before);
}));

test('a tampered manage token is refused with 403 and nothing changes', withLog(() => patron, async () => {
    const token = new URL(active.link).searchParams.get('t');
    const raw = Buffer.from(token, 'base64url');
    const variants = [];
    for (const index of [0, 5, 31, 32, 39, 40, raw.length - 1]) {
        const copy = Buffer.from(raw);
        copy[index] ^= 0x01;
        variants.push(copy.toString('base64url'));
    }
    // Another pledge's id with this token's expiry and MAC.
    const other = Buffer.from(raw);
    Buffer.from(crypto.randomBytes(16).toString('hex')).copy(other, 0);
    variants.push(other.toString('base64url'));
    variants.push(token.slice(0, -2), `${token}AA`, '', 'not-a-token', token.replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A')));
    const before = snapshot();
    for (const t of variants) {
        const get = await http(patron.base, 'GET', `/manage?t=${encodeURIComponent(t)}`);
        assert.equal(get.status, 403, `GET with ${t}: ${get.status}`);
        const post = await http(patron.base, 'POST', '/manage', { form: { t, action: 'cancel' } });
        assert.equal(post.status, 403, `POST cancel with ${t}: ${post.status}`);
        assert.match(post.body, /not valid or has expired/);
    }
    assert.deepEqual(snapshot(), before);
    assert.equal(pledgeRow(patron, active.pledgeId).status, 'active');
}));

test('a forged pledge id or session on /thanks: 404, and no pledge changes', withLog(() => patron, async () => {
    // A second pledge, still pending: its checkout is open.
    const pending = await support(patron, standin, { amount: '3' });
    assert.equal(pending.status, 303);
    const before = snapshot();
    const forged = crypto.randomBytes(16).toString('hex');
    for (const q of [
        `pledge=${forged}&session=${active.sessionId}`,
        `pledge=${forged.toUpperCase()}&session=${active.sessionId}`,
        `pledge=../../etc&session=${active.sessionId}`,
        `pledge=${active.pledgeId}x&session=${active.sessionId}`,
        `session=${active.sessionId}`,
    ]) {
        const r = await http(patron.base, 'GET', `/thanks?${q}`);
        assert.equal(r.status, 404, `/thanks?${q}: ${r.status}`);
    }
    // The pending pledge with someone else's paid session, and with its own
    // open one: neither makes it active.
    for (const q of [`pledge=${pending.pledgeId}&session=${active.sessionId}`, `pledge=${pending.pledgeId}&session=${pending.sessionId}`]) {
        const r = await http(patron.base, 'GET', `/thanks?${q}`);
        assert.ok(r.status < 500, `/thanks?${q}: ${r.status}`);
        assert.doesNotMatch(r.body, /data-status="active"/);
        assert.doesNotMatch(r.body, /thanks\.js/);
    }
    assert.deepEqual(snapshot(), before);
    assert.equal(pledgeRow(patron, pending.pledgeId).status, 'pending');
}));

test('an expired manage link is refused with 403 (patron a year later)', withLog(() => patron, async () => {
    const token = new URL(active.link).searchParams.get('t');
    const ok = await http(patron.base, 'GET', `/manage?t=${token}`);
    assert.equal(ok.status, 200);
    // manage_link_days is 365: a year and a day later the link has expired.
    await patron.restart({ PATRON_CLOCK_OFFSET: String(366 * 86400) });
    try {
        const before = snapshot();
        const r = await http(patron.base, 'GET', `/manage?t=${token}`);
        assert.equal(r.status, 403);
        assert.match(r.body, /expired/);
        const post = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'cancel' } });
        assert.equal(post.status, 403);
        assert.deepEqual(snapshot(), before);
    } finally {
        await patron.restart();
    }
}));

test('a lost link: one single-use magic link by email, the same answer for unknown addresses', withLog(() => patron, async () => {
    const unknown = await http(patron.base, 'POST', '/manage/lost', { form: { email: 'nobody@example.org' } });
    const known = await http(patron.base, 'POST', '/manage/lost', { form: { email: ' Bad.Input@Example.org ' } });
    assert.equal(unknown.status, 200);
    assert.equal(known.status, 200);
    assert.equal(unknown.body, known.body, 'the answer tells whether an address is known');
    const bad = await http(patron.base, 'POST', '/manage/lost', { form: { email: 'not an address' } });
    assert.equal(bad.status, 422);
    const [mail] = await smtp.waitFor((m) => /^Your link to manage/.test(m.subject));
    assert.equal(smtp.messages.filter((m) => m.envelope.to.includes('nobody@example.org')).length, 0);
    const link = manageLink(mail);
    assert.match(link, /\/manage\/magic\?token=/);
    const token = new URL(link).searchParams.get('token');
    // Opening the link (as a mail scanner would) uses nothing.
    const open = await http(patron.base, 'GET', link.slice(patron.base.length));
    assert.equal(open.status, 200);
    const use = await http(patron.base, 'POST', '/manage/magic', { form: { token } });
    assert.equal(use.status, 303);
    assert.match(use.location, /^\/manage\?t=/);
    const page = await http(patron.base, 'GET', use.location);
    assert.equal(page.status, 200);
    assert.match(page.body, /data-status="active"/);
    const again = await http(patron.base, 'POST', '/manage/magic', { form: { token } });
    assert.equal(again.status, 410);
    const forged = await http(patron.base, 'POST', '/manage/magic', { form: { token: token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) } });
    assert.equal(forged.status, 410);
}));
