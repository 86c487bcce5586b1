// One log line per request on standard error, never an IP address
// (patron.conf.example: log_requests).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopAndAssertClean, suite, request, postJson, postForm, appealBody, sleep,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'logging' }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

const SPOOF = {
    'X-Forwarded-For': '203.0.113.7, 198.51.100.23',
    'X-Real-IP': '203.0.113.8',
    Forwarded: 'for=203.0.113.9;proto=https',
};

t('request log lines carry no IP address', async () => {
    const sent = [];
    const go = async (label, p) => { sent.push(label); await p; };
    await go('appeal', postJson(srv, '/v1/appeal', appealBody(), { headers: SPOOF }));
    await go('appeal-none', postJson(srv, '/v1/appeal', appealBody({ article: { opt_out: true } }), { headers: SPOOF }));
    await go('bad json', postJson(srv, '/v1/appeal', '{"article":', { headers: SPOOF }));
    await go('events', postJson(srv, '/v1/events', { events: [{ kind: 'impression', campaign: 'demo-2026', variant: 'a' }] }, { headers: SPOOF }));
    await go('healthz', request(srv, 'GET', '/healthz', { headers: SPOOF }));
    await go('404', request(srv, 'GET', '/nope', { headers: SPOOF }));
    await go('405', request(srv, 'DELETE', '/v1/appeal', { headers: SPOOF }));
    await go('embed', request(srv, 'GET', '/embed/appeal?article=demo-article&lang=en', { headers: SPOOF }));
    await go('support', postForm(srv, '/support', { campaign: 'demo-2026', variant: 'a', lang: 'en', currency: 'USD', frequency: 'monthly', amount: '5' }, { headers: SPOOF }));
    await go('stats 401', request(srv, 'GET', '/v1/stats', { headers: SPOOF }));
    await sleep(500);

    const log = srv.stderr.slice(srv.startupStderrLength);
    const lines = log.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length >= sent.length,
        `one log line per request (log_requests defaults to true): ${sent.length} requests, ${lines.length} lines:\n${log}`);
    assert.ok(lines.some((l) => l.includes('/v1/appeal')), `a log line names the path:\n${log}`);
    const offending = lines.filter((l) => /127\.0\.0\.1|::1\b|::ffff:|203\.0\.113\.|198\.51\.100\./.test(l)
        || /(^|[^\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}([^\d.]|$)/.test(l));
    assert.deepEqual(offending, [], 'log lines after start-up must not contain an IP address');
});

t('a decoded path cannot forge a log line or a terminal escape: control characters are escaped', async () => {
    const before = srv.stderr.length;
    const path = '/nope%0aGET%20/v1/appeal%20200%201us%0d%1b[31mred%7f%5c';
    const r = await request(srv, 'GET', path);
    assert.equal(r.status, 404);
    await request(srv, 'GET', '/healthz'); // a later line, so the first is complete
    await sleep(300);
    const lines = srv.stderr.slice(before).split('\n').filter((l) => l !== '');
    const mine = lines.filter((l) => l.includes('/nope'));
    assert.equal(mine.length, 1, `one line for the request:\n${lines.join('\n')}`);
    assert.equal(mine[0].split(' ').slice(0, 3).join(' '),
        'GET /nope\\x0aGET\\x20/v1/appeal\\x20200\\x201us\\x0d\\x1b[31mred\\x7f\\x5c 404');
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(srv.stderr.slice(before)), 'no control character reaches the log');
    assert.ok(!lines.some((l) => l.startsWith('GET /v1/appeal 200')), `a forged line:\n${lines.join('\n')}`);
});
