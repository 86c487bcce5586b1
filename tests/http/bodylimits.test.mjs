// The large body limit (admin_body_limit, 8 MiB) is only for callers known by
// their headers: the admin token on /v1/admin/, a signed-in session on the
// dashboard. Anyone else gets body_limit (64 KiB) there too, so that 150
// anonymous connections cannot make the server hold a gigabyte.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { COOKIE, Client, addUser, http, startPatron, stopClean, tail } from './dashboard-lib.mjs';
import { ADMIN_TOKEN, rawExchange } from './lib.mjs';

const TOKEN = ADMIN_TOKEN;
const SMALL = 65536;
let patron;
let editor;

before(async () => {
    patron = await startPatron({ label: 'bodylimits', seedDemo: true });
    addUser(patron, 'editor@example.org', 'editor');
    editor = await new Client(patron).signInOk('editor@example.org');
});

after(async () => {
    await stopClean(patron);
});

/** Declares a body of `length` bytes and offers it in 64 KiB pieces while no
 * answer has come; the server may answer from the headers alone. */
function declare(path, length, headers = {}) {
    const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
        `Content-Length: ${length}\r\n\r\n`;
    const piece = Buffer.alloc(64 * 1024, 'a');
    const chunks = Array.from({ length: Math.ceil(length / piece.length) }, () => piece);
    return rawExchange(patron.port, head, chunks, { waitBeforeBodyMs: 1000, timeoutMs: 30_000 });
}

test('an anonymous 6 MiB body to the dashboard or the admin API is refused from its headers, before it is read', async () => {
    const cases = [
        ['/dashboard/x', {}],
        ['/dashboard/campaigns/new', { Cookie: `${COOKIE}=${'A'.repeat(43)}` }], // a session that does not exist
        ['/v1/admin/x', {}],
        ['/v1/admin/catalog', { Authorization: 'Bearer not-the-token' }],
    ];
    for (const [path, headers] of cases) {
        const r = await declare(path, 6 * 1024 * 1024, headers);
        assert.equal(r.status, 413, `${path}: ${r.received.slice(0, 300)} ${r.error ?? ''}\n${tail(patron.stderr())}`);
        assert.ok(r.bytesSent < 2 * SMALL, `${path}: the server took ${r.bytesSent} bytes before refusing`);
    }
    assert.equal((await http(patron.base, 'GET', '/healthz')).status, 200);
});

test('an anonymous body just past body_limit is refused with 413 on both', async () => {
    for (const path of ['/dashboard/x', '/v1/admin/catalog']) {
        const r = await declare(path, SMALL + 1024);
        assert.equal(r.status, 413, `${path}: ${r.received.slice(0, 300)}`);
    }
});

test('with the admin token, or signed in, the large limit still holds', async () => {
    // The catalogue as it is, padded with spaces past body_limit: JSON allows them.
    const current = await http(patron.base, 'GET', '/v1/admin/catalog', { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(current.status, 200, current.body);
    const padded = current.body + ' '.repeat(4 * SMALL);
    const put = await http(patron.base, 'PUT', '/v1/admin/catalog', {
        body: padded, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    });
    assert.equal(put.status, 200, put.body.slice(0, 400));

    // A signed-in editor's form past body_limit reaches the dashboard (here
    // an unknown page: 404, not 413).
    const fields = Array.from({ length: 40 }, (_, i) => [`note${i}`, 'x'.repeat(4096)]);
    const big = await editor.post('/dashboard/campaigns/no-such-campaign', fields);
    assert.notEqual(big.status, 413, big.body.slice(0, 300));
    // The same form without the session is refused.
    const anonymous = await http(patron.base, 'POST', '/dashboard/campaigns/no-such-campaign', {
        form: fields, headers: { 'Sec-Fetch-Site': 'same-origin' },
    });
    assert.equal(anonymous.status, 413);
});
