// /healthz tells whether the database can be written (issue 16, item 22c: it
// said ok while every write failed). The failure here is a real one from
// outside patron: another process (the sqlite3 tool, as a stuck backup or a
// hand-run migration would) holds the database's write lock, so every write
// patron tries fails after its busy timeout, while reads still work.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { ADMIN_TOKEN, postJson, request, sleep, startServer, stopAndAssertClean, suite } from './lib.mjs';

let srv;
let holder = null;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'healthz-store', config: { catalog_check_interval: '1' } }); });
after(async () => {
    if (holder && holder.exitCode === null) holder.kill('SIGKILL');
    if (srv) await stopAndAssertClean(srv);
});

/** Polls /healthz (bounded) until its status is want; returns the last answer. */
async function healthzBecomes(want, timeoutMs = 40_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (let i = 0; i < 400 && Date.now() < deadline; i++) {
        last = await request(srv, 'GET', '/healthz', { timeoutMs: 5000 });
        if (last.status === want) return last;
        await sleep(250);
    }
    return last;
}

/** Starts sqlite3 on patron's database holding the write lock until released. */
async function holdWriteLock() {
    const child = spawn('sqlite3', [srv.db], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.stdin.write('.timeout 20000\nBEGIN IMMEDIATE;\nSELECT \'locked\';\n');
    for (let i = 0; i < 200 && !out.includes('locked'); i++) await sleep(50);
    assert.ok(out.includes('locked'), `sqlite3 did not take the lock: ${out}`);
    return child;
}

t('healthy: 200 and the store says ok', async () => {
    const r = await request(srv, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual({ status: JSON.parse(r.body).status, store: JSON.parse(r.body).store }, { status: 'ok', store: 'ok' });
});

t('while another process holds the write lock, writes fail and /healthz says so with 503; then it recovers', async () => {
    holder = await holdWriteLock();
    try {
        const failing = await healthzBecomes(503);
        assert.equal(failing.status, 503, `healthz still answers ${failing.status}: ${failing.body}`);
        assert.deepEqual({ status: JSON.parse(failing.body).status, store: JSON.parse(failing.body).store }, { status: 'failing', store: 'cannot write' });
        // The failure is real: counting an event works (memory), but writing
        // it, as /v1/stats does first, fails.
        const ev = await postJson(srv, '/v1/events', { events: [{ kind: 'click', campaign: 'demo-2026', variant: 'a' }] });
        assert.equal(ev.status, 202, ev.body);
        const stats = await request(srv, 'GET', '/v1/stats', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, timeoutMs: 30_000 });
        assert.equal(stats.status, 503, stats.body);
        assert.match(srv.stderr, /the database cannot be written/);
    } finally {
        holder.stdin.end('ROLLBACK;\n.quit\n');
        for (let i = 0; i < 100 && holder.exitCode === null; i++) await sleep(50);
        if (holder.exitCode === null) holder.kill('SIGKILL');
    }
    const healthy = await healthzBecomes(200);
    assert.equal(healthy.status, 200, healthy.body);
    assert.match(srv.stderr, /the database can be written again/);
});
