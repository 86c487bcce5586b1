// Many requests at once: every one answered, every count kept exactly.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopAndAssertClean, suite, request, postJson, assertJson, appealBody, sqlite, ADMIN_TOKEN,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
// These batches stand for many readers behind one loopback address: lift the
// per-client and per-batch limits on events (tests/http/events-limits.test.mjs
// tests those).
const BULK_EVENTS = { event_batches_per_minute: '1000000', events_per_variant_per_batch: '100' };
before(async () => { srv = await startServer({ label: 'concurrency', config: BULK_EVENTS }); });
after(async () => { if (srv && srv.exit === null) await stopAndAssertClean(srv); });

const impressions = (n) => ({ events: Array.from({ length: n }, () => ({ kind: 'impression', campaign: 'demo-2026', variant: 'a' })) });

t('64 concurrent appeal requests are all answered', async () => {
    const rs = await Promise.all(Array.from({ length: 64 }, (_, i) =>
        postJson(srv, '/v1/appeal', appealBody({ reader: { bucket: i * 7919 }, article: { language: i % 2 ? 'ru' : 'en' } }))));
    rs.forEach((r, i) => {
        const j = assertJson(r, 200);
        assert.equal(j.appeal?.language, i % 2 ? 'ru' : 'en');
    });
});

t('40 concurrent event batches of 50 are counted exactly, in memory and after a flush', async () => {
    const rs = await Promise.all(Array.from({ length: 40 }, () => postJson(srv, '/v1/events', impressions(50))));
    for (const r of rs) assert.deepEqual(assertJson(r, 202), { accepted: 50, ignored: 0 });
    const stats = assertJson(await request(srv, 'GET', '/v1/stats', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }), 200);
    assert.equal(stats.counts.filter((c) => c.kind === 'impression').reduce((a, c) => a + c.count, 0), 2000);
});

t('events arriving during flushes and shutdown are never lost or doubled', async () => {
    // Batches spread over several flush intervals (200 ms), then SIGTERM.
    let sent = 0;
    for (let round = 0; round < 8; round++) {
        const rs = await Promise.all(Array.from({ length: 10 }, () => postJson(srv, '/v1/events', impressions(10))));
        for (const r of rs) assert.equal(assertJson(r, 202).accepted, 10);
        sent += 100;
        await new Promise((resolve) => setTimeout(resolve, 70));
    }
    await stopAndAssertClean(srv);
    assert.deepEqual(sqlite(srv, "SELECT SUM(count) FROM event_counts WHERE kind='impression'"), [[String(2000 + sent)]]);
});
