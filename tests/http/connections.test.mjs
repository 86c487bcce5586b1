// One client cannot hold every connection: connections_per_client bounds the
// open connections from one peer address (docs/OPERATIONS.md, "Connections").
// On loopback, 127.0.0.2 is another client.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before } from 'node:test';
import { parseResponse, startServer, stopAndAssertClean, suite } from './lib.mjs';

const LIMIT = 20;
let srv;
const t = suite(() => srv);
const sockets = [];

before(async () => {
    srv = await startServer({ label: 'connections', config: { connections_per_client: String(LIMIT), threads: '4' } });
});
after(async () => {
    for (const s of sockets) s.destroy();
    if (srv) await stopAndAssertClean(srv);
});

/** Opens a connection from localAddress and asks GET /healthz on it, keeping
 * it open. Resolves {socket, status}: status null when the server closed it
 * (or did not answer within timeoutMs). */
function openKept(localAddress, timeoutMs = 5000) {
    return new Promise((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: srv.port, localAddress });
        sockets.push(socket);
        let received = Buffer.alloc(0);
        let settled = false;
        const finish = (status) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ socket, status });
        };
        const timer = setTimeout(() => finish(null), timeoutMs);
        socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
        socket.on('data', (d) => {
            received = Buffer.concat([received, d]);
            const r = parseResponse(received);
            if (r) finish(r.status);
        });
        socket.on('error', () => finish(null));
        socket.on('close', () => finish(null));
    });
}

t('the connection past connections_per_client from one address is refused; another address is still served', async () => {
    const mine = [];
    for (let i = 0; i < LIMIT; i++) {
        const c = await openKept('127.0.0.1');
        assert.equal(c.status, 200, `connection ${i + 1} of ${LIMIT} was not served`);
        mine.push(c);
    }
    const extra = await openKept('127.0.0.1');
    assert.equal(extra.status, null, `connection ${LIMIT + 1} from the same address was served`);

    const other = await openKept('127.0.0.2');
    assert.equal(other.status, 200, 'another client is served while the first holds its limit');

    // One of the first client's connections ends: it may open another.
    mine[0].socket.destroy();
    let again = null;
    for (let i = 0; i < 50; i++) {
        again = await openKept('127.0.0.1');
        if (again.status === 200) break;
        await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(again.status, 200, 'a freed place is given again');
});
