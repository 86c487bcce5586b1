// Keep-alive: several requests on one connection (STYLE.md: answering in the
// first access-handler call forces Connection: close).
import { before, after } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, stopAndAssertClean, suite, request, postJson, assertJson, appealBody, parseResponses } from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'keepalive' }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

async function onOneSocket(send, n = 6) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set();
    try {
        for (let i = 0; i < n; i++) {
            const r = await send(agent, i);
            sockets.add(r.socket);
            assert.doesNotMatch(r.headers.connection ?? '', /close/i, `request ${i}: Connection: ${r.headers.connection}`);
        }
    } finally {
        agent.destroy();
    }
    assert.equal(sockets.size, 1, `${n} requests used ${sockets.size} connections`);
}

t('POST /v1/appeal: several requests on one connection', async () => {
    await onOneSocket(async (agent, i) => {
        const r = await postJson(srv, '/v1/appeal', appealBody({ reader: { bucket: i } }), { agent });
        const j = assertJson(r, 200);
        assert.equal(j.appeal?.campaign, 'demo-2026');
        return r;
    });
});

t('POST /v1/appeal as text/plain, and opted-out answers, on one connection', async () => {
    await onOneSocket(async (agent, i) => {
        const body = appealBody({ article: { opt_out: i % 2 === 1 } });
        const r = await postJson(srv, '/v1/appeal', JSON.stringify(body), { agent, contentType: 'text/plain;charset=UTF-8' });
        assertJson(r, 200);
        return r;
    });
});

t('POST /v1/events and GET /healthz on one connection', async () => {
    await onOneSocket(async (agent, i) => {
        const r = i % 2
            ? await request(srv, 'GET', '/healthz', { agent })
            : await postJson(srv, '/v1/events', { events: [{ kind: 'impression', campaign: 'demo-2026', variant: 'a' }] }, { agent });
        assert.equal(r.status, i % 2 ? 200 : 202);
        return r;
    });
});

t('a 400 for bad JSON keeps the connection usable or closes it cleanly', async () => {
    // Either is acceptable; the next request must be answered in any case.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
        const bad = await postJson(srv, '/v1/appeal', '{"article":', { agent });
        assert.equal(bad.status, 400);
        const good = await postJson(srv, '/v1/appeal', appealBody(), { agent });
        assert.equal(good.status, 200);
    } finally {
        agent.destroy();
    }
});

t('pipelined requests on a raw socket are all answered in order', async () => {
    const body = JSON.stringify(appealBody());
    const one = (bucket) => {
        const b = body.replace('1234567890', String(bucket));
        return `POST /v1/appeal HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`;
    };
    const last = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
    const received = await new Promise((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port: srv.port }, () => sock.write(one(1) + one(2) + one(3) + last));
        const chunks = [];
        const timer = setTimeout(() => { sock.destroy(); resolve(Buffer.concat(chunks)); }, 10_000);
        sock.on('data', (d) => chunks.push(d));
        sock.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
        sock.on('error', reject);
    });
    const responses = parseResponses(received);
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200], received.toString('utf8').slice(0, 2000));
    for (const r of responses.slice(0, 3)) assert.equal(JSON.parse(r.body).appeal?.campaign, 'demo-2026');
    assert.equal(JSON.parse(responses[3].body).status, 'ok');
});
