// The admin token (issue 16): guesses at it are limited per client, it opens
// /metrics, and it never travels in an article's address (preview and debug
// links carry short-lived signed tokens instead).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopAndAssertClean, suite, request, assertJson, assertJsonError, parseMetrics, metricSum, ADMIN_TOKEN,
} from './lib.mjs';

let srv;
const t = suite(() => srv);

before(async () => {
    srv = await startServer({ label: 'admin-token', config: { client_address_header: 'X-Client' } });
});
after(async () => { if (srv) await stopAndAssertClean(srv); });

const stats = (client, token) => request(srv, 'GET', '/v1/stats', {
    headers: { 'X-Client': client, ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
});

t('wrong admin tokens are limited per client: after ten, even the right one gets 429 there', async () => {
    const wrong = ADMIN_TOKEN.slice(0, -1) + (ADMIN_TOKEN.endsWith('x') ? 'y' : 'x');
    for (let i = 0; i < 10; i++) assertJsonError(await stats('guesser', wrong), 401);
    const limited = await stats('guesser', wrong);
    assertJsonError(limited, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0, `Retry-After: ${limited.headers['retry-after']}`);
    // Over its allowance, the client cannot tell the right token from a wrong one.
    assertJsonError(await stats('guesser', ADMIN_TOKEN), 429);
    // Many more guesses stay limited, and are cheap.
    for (let i = 0; i < 50; i++) assert.equal((await stats('guesser', `${wrong}${i}`)).status, 429);
    // Another client is not affected; a request without a token is no guess.
    assertJson(await stats('admin-desk', ADMIN_TOKEN), 200);
    for (let i = 0; i < 20; i++) assertJsonError(await stats('no-token'), 401);
    assertJson(await stats('no-token', ADMIN_TOKEN), 200);
});

const metrics = (headers = {}) => request(srv, 'GET', '/metrics', { headers: { 'X-Client': 'monitoring', ...headers } });

t('/metrics needs the admin token: 401 without or with a wrong one, Prometheus text with it', async () => {
    const none = await metrics();
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.ok(!/patron_/.test(none.body), 'no metric leaks into the refusal');
    assert.equal((await metrics({ Authorization: 'Bearer not-the-token', 'X-Client': 'metrics-guess' })).status, 401);
    const ok = await metrics({ Authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(ok.status, 200, ok.body.slice(0, 300));
    assert.match(ok.headers['content-type'], /^text\/plain/);
    assert.ok(parseMetrics(ok.body).some((s) => s.name === 'patron_http_requests_total'), ok.body.slice(0, 500));
});

t('/metrics shows readers\' own acts in steps of ten, so that one act is not a visible +1', async () => {
    const count = async () => {
        const r = await metrics({ Authorization: `Bearer ${ADMIN_TOKEN}` });
        assert.equal(r.status, 200);
        const samples = parseMetrics(r.body).filter((s) => s.name === 'patron_http_requests_total' && s.labels.route === 'reminders_cancel');
        for (const s of samples) assert.equal(s.value % 10, 0, `not coarsened: ${s.line}`);
        return metricSum(samples, 'patron_http_requests_total');
    };
    assert.equal(await count(), 0);
    // One reader's visit shows nothing...
    assert.ok((await request(srv, 'GET', '/reminders/cancel?token=nothing-here')).status < 500);
    assert.equal(await count(), 0, 'one reader\'s act is not visible');
    // ...twelve show as ten.
    for (let i = 0; i < 11; i++) await request(srv, 'GET', '/reminders/cancel?token=nothing-here');
    assert.equal(await count(), 10);
    // Other routes are still exact.
    const r = await metrics({ Authorization: `Bearer ${ADMIN_TOKEN}` });
    const healthz = metricSum(parseMetrics(r.body), 'patron_http_requests_total', (l) => l.route === 'healthz');
    assert.ok(healthz >= 1 && healthz < 10, `healthz is counted exactly: ${healthz}`);
});

/* ---- preview and debug links --------------------------------------------- */

const admin = (method, path, body) => request(srv, method, path, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'X-Client': 'editor-desk', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
});
const appeal = async (query) => {
    const r = await request(srv, 'POST', `/v1/appeal?${query}`, {
        headers: { 'Content-Type': 'text/plain', 'X-Client': 'a-reader' },
        body: JSON.stringify({ article: { id: 'story', language: 'en' }, reader: { bucket: 1 } }),
    });
    return assertJson(r, 200);
};

async function draft(id) {
    const demo = assertJson(await admin('GET', '/v1/admin/campaigns/demo-2026'), 200).campaign;
    const variants = demo.variants.map((v) => ({ ...v, text: { ...v.text, en: { ...v.text.en, headline: `Draft headline ${id}` } } }));
    const r = await admin('POST', '/v1/admin/campaigns', { ...demo, id, name: `Draft ${id}`, status: 'draft', variants });
    assertJson(r, 201);
}

t('the admin token in patron_preview or patron_debug is refused: no draft, no trace', async () => {
    await draft('token-draft');
    const force = 'force=token-draft:a';
    assert.notEqual((await appeal(`preview=${encodeURIComponent(ADMIN_TOKEN)}&${force}`)).appeal?.campaign, 'token-draft');
    assert.equal((await appeal(`debug=${encodeURIComponent(ADMIN_TOKEN)}`)).debug, undefined);
    // The embed (no script) reads the same options.
    const embed = await request(srv, 'GET', `/embed/appeal?article=story&lang=en&preview=${encodeURIComponent(ADMIN_TOKEN)}&${force}`);
    assert.equal(embed.status, 200);
    assert.ok(!embed.body.includes('Draft headline token-draft'), 'the draft is not shown with the admin token');
});

t('signed editor links from the admin API: preview and debug work; tampered ones do not; neither is an admin token', async () => {
    const links = assertJson(await admin('POST', '/v1/admin/editor-links'), 201);
    assert.match(links.preview, /^[A-Za-z0-9_-]{40,}$/);
    assert.match(links.debug, /^[A-Za-z0-9_-]{40,}$/);
    assert.ok(links.expires_at > Date.now() / 1000 && links.expires_at <= Date.now() / 1000 + 3600, JSON.stringify(links));
    assert.ok(!JSON.stringify(links).includes(ADMIN_TOKEN));
    const force = 'force=token-draft:a';
    assert.equal((await appeal(`preview=${links.preview}&${force}`)).appeal?.campaign, 'token-draft');
    const embed = await request(srv, 'GET', `/embed/appeal?article=story&lang=en&preview=${links.preview}&${force}`);
    assert.ok(embed.body.includes('Draft headline token-draft'), 'the embed shows the draft with a signed link');
    const traced = await appeal(`debug=${links.debug}`);
    assert.ok(Array.isArray(traced.debug) && traced.debug.length >= 1, JSON.stringify(traced));
    // Tampered, swapped or missing: nothing.
    const tampered = (t) => t.slice(0, 10) + (t[10] === 'A' ? 'B' : 'A') + t.slice(11);
    assert.notEqual((await appeal(`preview=${tampered(links.preview)}&${force}`)).appeal?.campaign, 'token-draft');
    assert.equal((await appeal(`debug=${tampered(links.debug)}`)).debug, undefined);
    assert.notEqual((await appeal(`preview=${links.debug}&${force}`)).appeal?.campaign, 'token-draft', 'a debug token is no preview token');
    assert.equal((await appeal(`debug=${links.preview}`)).debug, undefined, 'a preview token is no debug token');
    // A link for one campaign shows that one only.
    await draft('token-draft-2');
    const one = assertJson(await admin('POST', '/v1/admin/editor-links?campaign=token-draft'), 201);
    assert.equal((await appeal(`preview=${one.preview}&${force}`)).appeal?.campaign, 'token-draft');
    assert.notEqual((await appeal(`preview=${one.preview}&force=token-draft-2:a`)).appeal?.campaign, 'token-draft-2');
    // None of them opens the admin API or /metrics.
    for (const token of [links.preview, links.debug, one.preview]) {
        const r = await request(srv, 'GET', '/v1/admin/campaigns', { headers: { Authorization: `Bearer ${token}`, 'X-Client': `link-${token.slice(-6)}` } });
        assert.equal(r.status, 401);
    }
    // Only the admin may make them.
    assert.equal((await request(srv, 'POST', '/v1/admin/editor-links', { headers: { 'X-Client': 'someone' } })).status, 401);
    assert.equal((await admin('GET', '/v1/admin/editor-links')).status, 405);
    assert.equal((await admin('POST', '/v1/admin/editor-links?campaign=../x')).status, 422);
});

t('behind a proxy that appends to X-Forwarded-For, the client is the entry the proxy wrote; an IPv6 client is its /64', async () => {
    const proxied = await startServer({ label: 'admin-token-xff', config: { client_address_header: 'X-Forwarded-For' } });
    try {
        const ask = (xff, token = 'a-wrong-guess') => request(proxied, 'GET', '/v1/stats', {
            headers: { 'X-Forwarded-For': xff, Authorization: `Bearer ${token}` },
        });
        // What the client writes itself changes with every try; what the
        // proxy appended does not: one client, limited after ten.
        for (let i = 0; i < 10; i++) assert.equal((await ask(`10.0.${i}.1, 192.0.2.${i}, 198.51.100.7`)).status, 401, `try ${i + 1}`);
        assert.equal((await ask('203.0.113.99, 198.51.100.7')).status, 429);
        assert.equal((await ask('198.51.100.8', ADMIN_TOKEN)).status, 200, 'another client');
        // Addresses of one IPv6 /64 are one client.
        for (let i = 0; i < 10; i++) assert.equal((await ask(`2001:db8:1:2::${(i + 1).toString(16)}`)).status, 401, `v6 try ${i + 1}`);
        assert.equal((await ask('2001:db8:1:2:ffff:ffff:ffff:ffff', ADMIN_TOKEN)).status, 429);
        assert.equal((await ask('2001:db8:1:3::1', ADMIN_TOKEN)).status, 200, 'the next /64 is another client');
    } finally {
        await stopAndAssertClean(proxied);
    }
});
