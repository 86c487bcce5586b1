// Counts still in memory are written at shutdown (docs/API.md, /v1/events).
import { after } from 'node:test';
import { spawn } from 'node:child_process';
import net from 'node:net';
import assert from 'node:assert/strict';
import {
    startServer, stopAndAssertClean, stopServer, suite, request, postJson, assertJson, sqlite, utcDay, ADMIN_TOKEN,
    PATRON_BIN, sleep,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
after(async () => { if (srv && srv.exit === null) await stopServer(srv); });

const ev = (kind, n, campaign = 'demo-2026', variant = 'a') => Array.from({ length: n }, () => ({ kind, campaign, variant }));

t('SIGTERM writes every count held in memory, exactly once', async () => {
    // 40 impressions in one batch stand for many readers: the per-batch cap is
    // lifted (tests/http/events-limits.test.mjs tests it).
    srv = await startServer({ label: 'shutdown', config: { events_flush_interval_ms: '600000', events_per_variant_per_batch: '100' } });

    const batches = [
        [...ev('impression', 5), ...ev('click', 2), ...ev('impression', 3, 'nope')],
        [...ev('impression', 2), ...ev('snooze_close', 2), ...ev('click', 1), ...ev('snooze_later', 1, 'demo-2026', 'zz')],
        [...ev('snooze_supporting', 1), ...ev('impression', 40)],
    ];
    const expected = { impression: 5 + 2 + 40, click: 3, snooze_close: 2, snooze_supporting: 1 };
    let accepted = 0;
    for (const events of batches) {
        const j = assertJson(await postJson(srv, '/v1/events', { events }), 202);
        accepted += j.accepted;
    }
    assert.equal(accepted, Object.values(expected).reduce((a, b) => a + b, 0));

    // Nothing written yet (no /v1/stats call here: it may flush).
    await sleep(500);
    assert.deepEqual(sqlite(srv, 'SELECT COUNT(*) FROM event_counts'), [['0']], 'nothing flushed before shutdown');

    await stopAndAssertClean(srv);

    const rows = sqlite(srv, 'SELECT day, campaign, variant, kind, SUM(count) FROM event_counts GROUP BY day, campaign, variant, kind ORDER BY kind');
    const day = utcDay();
    assert.deepEqual(rows, Object.entries(expected)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([kind, n]) => [day, 'demo-2026', 'a', kind, String(n)]));
});

t('a second start after a clean shutdown adds to the counts, never loses or doubles them', async () => {
    assert.ok(srv && srv.exit !== null, 'the first test ran');
    const first = srv;
    // Same config and data directory: restart on the same files.
    const child = spawn(PATRON_BIN, ['serve', '--config', first.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    srv = { ...first, child, stderr: '', exit: null };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { srv.stderr += d; });
    srv.exited = new Promise((resolve) => child.on('exit', (code, signal) => { srv.exit = { code, signal }; resolve(srv.exit); }));
    let up = false;
    for (let i = 0; i < 100 && srv.exit === null; i++) {
        try { if ((await request(srv, 'GET', '/healthz', { timeoutMs: 1000 })).status === 200) { up = true; break; } } catch { /* starting */ }
        await sleep(100);
    }
    assert.ok(up, `restart did not come up: ${srv.stderr}`);
    assert.deepEqual(assertJson(await postJson(srv, '/v1/events', { events: ev('click', 4) }), 202), { accepted: 4, ignored: 0 });
    const stats = assertJson(await request(srv, 'GET', '/v1/stats', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }), 200);
    const clicks = stats.counts.filter((c) => c.kind === 'click').reduce((a, c) => a + c.count, 0);
    assert.equal(clicks, 3 + 4, 'stats: written plus in memory');
    await stopAndAssertClean(srv);
    assert.deepEqual(sqlite(srv, "SELECT SUM(count) FROM event_counts WHERE kind='click'"), [['7']]);
    assert.deepEqual(sqlite(srv, "SELECT SUM(count) FROM event_counts WHERE kind='impression'"), [['47']]);
});

t('SIGTERM with connections mid-request and idle keep-alive ends promptly and cleanly', async () => {
    srv = await startServer({ label: 'shutdown-inflight' });
    const open = [
        'POST /v1/appeal HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"art',
        'GET /healthz HTTP/1.1\r\nHo',
        'POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"eve\r\n',
        'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', // answered, then idle keep-alive
    ];
    const sockets = open.map((text) => {
        const s = net.connect({ host: '127.0.0.1', port: srv.port }, () => s.write(text));
        s.on('error', () => {});
        return s;
    });
    await sleep(300);
    const t0 = Date.now();
    await stopAndAssertClean(srv);
    assert.ok(Date.now() - t0 < 10_000, `shutdown took ${Date.now() - t0} ms`);
    for (const s of sockets) s.destroy();
});
