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
