// Shared helpers for patron's black-box HTTP tests.
//
// Each test file starts its own `patron serve` on a free loopback port in a
// fresh temporary directory, talks to it only over 127.0.0.1, and stops it
// with SIGTERM, asserting a clean exit (status 0: under AddressSanitizer a
// leak or a memory error makes it non-zero).
//
// The binary is $PATRON_BIN, or build/patron at the repository root.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const PATRON_BIN = process.env.PATRON_BIN
    ? path.resolve(process.env.PATRON_BIN)
    : path.join(REPO, 'build', 'patron');

export const HOST = '127.0.0.1';
// As long as patron requires (32 random bytes' worth); not secret, only for tests.
export const ADMIN_TOKEN = 'test-token-Qm9yZWFsaXMgQXVzdHJhbGlzIDIwMjYgdGVzdHM';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 10_000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const DAY = 86400;
export const utcDay = (d = new Date()) => d.toISOString().slice(0, 10);

/** A port that was free a moment ago (bind 127.0.0.1:0, close). */
export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, HOST, () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

/**
 * Writes a config file. `extra` is an object of more keys (a value of null
 * drops a default key); `rawLines` are appended verbatim.
 */
export function writeConfig(dir, port, extra = {}, rawLines = []) {
    const keys = {
        port: String(port),
        data_dir: path.join(dir, 'data'),
        public_url: `http://${HOST}:${port}`,
        admin_token: ADMIN_TOKEN,
        events_flush_interval_ms: '200',
        demo_pages: 'true',
        ...extra,
    };
    const lines = ['# written by tests/http/lib.mjs'];
    for (const [k, v] of Object.entries(keys)) {
        if (v !== null && v !== undefined) lines.push(`${k} = ${v}`);
    }
    lines.push(...rawLines);
    const file = path.join(dir, 'patron.conf');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    return file;
}

// Temporary directories and servers of this process: removed and killed when
// it exits (set PATRON_KEEP_TMP=1 to keep the directories for a post-mortem).
const tempDirs = [];
const servers = [];
process.on('exit', () => {
    for (const srv of servers) if (srv.exit === null) { try { srv.child.kill('SIGKILL'); } catch { /* gone */ } }
    if (process.env.PATRON_KEEP_TMP) return;
    for (const dir of tempDirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ } }
});

export function makeTempDir(label = 'http') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `patron-${label}-`));
    tempDirs.push(dir);
    return dir;
}

/** Runs `patron ARGS...` to completion (bounded) and returns its result. */
export function runPatron(args, timeoutMs = 30_000) {
    const r = spawnSync(PATRON_BIN, args, { encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/**
 * Starts a server: config, `patron migrate`, `patron serve --seed-demo`,
 * then waits for GET /healthz = 200. Returns a handle.
 */
export async function startServer({ label = 'http', config = {}, rawLines = [], seedDemo = true } = {}) {
    assert.ok(fs.existsSync(PATRON_BIN), `patron binary not found at ${PATRON_BIN} (set PATRON_BIN)`);
    const dir = makeTempDir(label);
    const port = await freePort();
    const configFile = writeConfig(dir, port, config, rawLines);
    const migrate = runPatron(['migrate', '--config', configFile]);
    assert.equal(migrate.status, 0,
        `patron migrate failed (status ${migrate.status}, signal ${migrate.signal}, error ${migrate.error?.message}):\n${migrate.stdout}\n${migrate.stderr}`);

    const args = ['serve', '--config', configFile];
    if (seedDemo) args.push('--seed-demo');
    const child = spawn(PATRON_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const srv = {
        dir, port, configFile, child,
        base: `http://${HOST}:${port}`,
        db: path.join(dir, 'data', 'patron.db'),
        stderr: '', stdout: '',
        startupStderrLength: 0,
        exit: null,
    };
    servers.push(srv);
    child.stderr.setEncoding('utf8');
    child.stdout.setEncoding('utf8');
    child.stderr.on('data', (d) => { srv.stderr += d; });
    child.stdout.on('data', (d) => { srv.stdout += d; });
    srv.exited = new Promise((resolve) => {
        child.on('exit', (code, signal) => { srv.exit = { code, signal }; resolve(srv.exit); });
    });

    const deadline = Date.now() + START_TIMEOUT_MS;
    let ready = false;
    while (Date.now() < deadline && srv.exit === null) {
        try {
            const r = await request(srv, 'GET', '/healthz', { timeoutMs: 1000 });
            if (r.status === 200) { ready = true; break; }
        } catch { /* not listening yet */ }
        await sleep(100);
    }
    if (!ready) {
        if (srv.exit === null) { child.kill('SIGKILL'); await srv.exited; }
        assert.fail(`patron serve did not answer GET /healthz = 200 within ${START_TIMEOUT_MS} ms ` +
            `(exit ${JSON.stringify(srv.exit)}).\n--- stderr ---\n${srv.stderr}\n--- stdout ---\n${srv.stdout}`);
    }
    srv.startupStderrLength = srv.stderr.length;
    return srv;
}

/** SIGTERM, wait (bounded), return {code, signal}. Kills with SIGKILL on timeout. */
export async function stopServer(srv) {
    if (srv.exit !== null) return srv.exit;
    srv.child.kill('SIGTERM');
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS); });
    const r = await Promise.race([srv.exited, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') {
        srv.child.kill('SIGKILL');
        await srv.exited;
        return { code: null, signal: 'SIGKILL', timedOut: true };
    }
    return r;
}

/** Asserts a clean exit after SIGTERM: status 0, no signal. */
export async function stopAndAssertClean(srv) {
    const r = await stopServer(srv);
    assert.ok(!r.timedOut, `patron did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM\n${tail(srv.stderr)}`);
    assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null },
        `patron did not exit with status 0 after SIGTERM\n--- stderr ---\n${tail(srv.stderr)}`);
    return r;
}

export function tail(s, n = 8000) {
    return s.length > n ? '…' + s.slice(-n) : s;
}

/**
 * Defines tests bound to a server: `const t = suite(() => srv)`; then
 * `t('name', async () => {...})`. A failure gets the server's stderr attached.
 */
export function suite(getServer) {
    return (name, fn, opts = {}) => test(name, { timeout: 60_000, ...opts }, async (t) => {
        try {
            await fn(t);
        } catch (e) {
            const srv = getServer();
            if (srv) {
                const log = `\n--- patron stderr (tail) ---\n${tail(srv.stderr, 4000)}\n--- end ---`;
                try { e.message = String(e.message) + log; } catch { /* read-only */ }
            }
            throw e;
        }
    });
}

/**
 * One HTTP request with node:http (its own connection). Returns
 * {status, headers, body (string), raw (Buffer)}.
 */
/* A reader who has seen the support page's statement ("You will give $3.50
 * every month") sends its token back with the form: ask patron for it, as
 * /support.js does. Fields patron cannot state are returned unchanged. */
export async function withStatement(srv, fields) {
    const r = await request(srv, 'GET', '/support/quote?' + new URLSearchParams(fields));
    return r.status === 200 ? { ...fields, confirm: JSON.parse(r.body.toString()).confirm } : fields;
}

export function request(srv, method, urlPath, { headers = {}, body, agent = false, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: HOST, port: srv.port, method, path: urlPath, headers, agent }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const raw = Buffer.concat(chunks);
                resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: raw.toString('utf8'), raw, socket: req.socket });
            });
            res.on('error', reject);
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${urlPath}`)));
        req.on('error', reject);
        if (body !== undefined) req.write(body);
        req.end();
    });
}

/** POST a JSON value (or a raw string/Buffer) to a path. */
export function postJson(srv, urlPath, value, { contentType = 'application/json', headers = {}, agent } = {}) {
    const body = (typeof value === 'string' || Buffer.isBuffer(value)) ? value : JSON.stringify(value);
    return request(srv, 'POST', urlPath, {
        headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers },
        body, agent,
    });
}

export function postForm(srv, urlPath, fields, { headers = {} } = {}) {
    const body = new URLSearchParams(fields).toString();
    return request(srv, 'POST', urlPath, {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), ...headers },
        body,
    });
}

export function parseJson(r) {
    try {
        return JSON.parse(r.body);
    } catch (e) {
        assert.fail(`response body is not JSON (status ${r.status}, content-type ${r.headers['content-type']}): ${r.body.slice(0, 500)}`);
    }
}

export function assertContentType(r, re) {
    const ct = r.headers['content-type'] ?? '';
    assert.match(ct, re, `content-type of a ${r.status} answer was ${JSON.stringify(ct)}; body: ${r.body.slice(0, 300)}`);
}

/** Asserts a JSON answer with this status; returns the parsed body. */
export function assertJson(r, status) {
    assert.equal(r.status, status, `expected status ${status}, got ${r.status}: ${r.body.slice(0, 500)}`);
    assertContentType(r, /^application\/json\b/i);
    return parseJson(r);
}

/**
 * Asserts the API's error shape {"error":{"code","message"}} with this status;
 * `messageRe` (optional) must match the message. Returns the error object.
 */
export function assertJsonError(r, status, messageRe) {
    const j = assertJson(r, status);
    assert.ok(j && typeof j === 'object' && j.error && typeof j.error === 'object',
        `expected {"error":{...}}, got ${r.body.slice(0, 500)}`);
    assert.equal(typeof j.error.code, 'string', `error.code must be a string: ${r.body}`);
    assert.ok(j.error.code.length > 0, `error.code is empty: ${r.body}`);
    assert.equal(typeof j.error.message, 'string', `error.message must be a string: ${r.body}`);
    assert.ok(j.error.message.trim().length > 0, `error.message is empty: ${r.body}`);
    if (messageRe) assert.match(j.error.message, messageRe, `error message does not name the problem: ${r.body}`);
    return j.error;
}

/** Asserts an HTML answer with this status; returns the body. */
export function assertHtml(r, status) {
    assert.equal(r.status, status, `expected status ${status}, got ${r.status}: ${r.body.slice(0, 500)}`);
    assertContentType(r, /^text\/html\b/i);
    return r.body;
}

/** The server still answers GET /healthz with 200. */
export async function assertAlive(srv) {
    assert.equal(srv.exit, null, `patron exited: ${JSON.stringify(srv.exit)}`);
    const r = await request(srv, 'GET', '/healthz');
    assert.equal(r.status, 200, `GET /healthz after the bad request answered ${r.status}`);
}

/** Runs a query with the sqlite3 CLI; returns rows as arrays of strings. */
export function sqlite(srv, sql) {
    const r = spawnSync('sqlite3', ['-readonly', '-separator', '\t', srv.db, sql], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, `sqlite3 failed on ${JSON.stringify(sql)}: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

/* ---------------------------------------------------------------------------
 * Raw sockets: for requests node:http will not send (duplicate
 * Content-Length, Content-Length with Transfer-Encoding, huge uploads).
 * ------------------------------------------------------------------------- */

/** Parses the first HTTP response in buf; null when incomplete. */
export function parseResponse(buf, { complete = false } = {}) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const head = buf.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
    if (!m) return { status: null, statusLine: head[0], headers: {}, body: '' };
    const headers = {};
    for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim().toLowerCase();
        const v = line.slice(i + 1).trim();
        headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
    }
    const rest = buf.subarray(end + 4);
    let body = null;
    let consumed = 0;
    if (headers['content-length'] !== undefined) {
        const n = Number(headers['content-length']);
        if (rest.length >= n) { body = rest.subarray(0, n); consumed = end + 4 + n; }
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
        const parts = [];
        let off = 0;
        for (let guard = 0; guard < 100000; guard++) {
            const le = rest.indexOf('\r\n', off);
            if (le < 0) break;
            const size = parseInt(rest.subarray(off, le).toString('latin1'), 16);
            if (Number.isNaN(size)) break;
            if (size === 0) {
                const trailerEnd = rest.indexOf('\r\n\r\n', le);
                if (trailerEnd < 0) break;
                body = Buffer.concat(parts); consumed = end + 4 + trailerEnd + 4; break;
            }
            if (rest.length < le + 2 + size + 2) break;
            parts.push(rest.subarray(le + 2, le + 2 + size));
            off = le + 2 + size + 2;
        }
    } else if (complete) {
        body = rest; consumed = buf.length;
    }
    if (body === null) return null;
    return { status: Number(m[1]), statusLine: head[0], headers, body: body.toString('utf8'), consumed };
}

/** Parses every complete response in buf, in order. */
export function parseResponses(buf, { complete = false } = {}) {
    const out = [];
    let rest = buf;
    for (let i = 0; i < 1000 && rest.length > 0; i++) {
        const r = parseResponse(rest, { complete });
        if (!r || r.status === null || r.consumed === 0) break;
        out.push(r);
        rest = rest.subarray(r.consumed);
    }
    return out;
}

/**
 * Sends `head` (string or Buffer), then the chunks yielded by `bodyChunks`
 * (an iterable of Buffers) while no answer has come and the socket is open.
 * With waitBeforeBodyMs, waits that long (or until an answer) after the head.
 * Resolves {status, headers, body, response, closed, error, bytesSent}.
 * `status` is null when the server closed the connection without an answer.
 */
export function rawExchange(port, head, bodyChunks = [], { timeoutMs = 20_000, waitBeforeBodyMs = 0 } = {}) {
    return new Promise((resolve) => {
        const sock = net.connect({ host: HOST, port });
        let received = Buffer.alloc(0);
        let closed = false;
        let error = null;
        let settled = false;
        let bytesSent = 0;
        const finish = () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const response = parseResponse(received, { complete: closed });
            sock.destroy();
            resolve({
                status: response ? response.status : null,
                headers: response ? response.headers : {},
                body: response ? response.body : '',
                response,
                received: received.toString('latin1'),
                closed, error, bytesSent,
            });
        };
        const timer = setTimeout(() => { error = error ?? new Error('timeout'); finish(); }, timeoutMs);
        sock.on('data', (d) => {
            received = Buffer.concat([received, d]);
            if (parseResponse(received)) finish();
        });
        sock.on('error', (e) => { error = e; });
        sock.on('close', () => { closed = true; finish(); });
        sock.on('connect', async () => {
            try {
                const h = Buffer.isBuffer(head) ? head : Buffer.from(head, 'latin1');
                bytesSent += h.length;
                if (!sock.write(h)) await drainOrClose(sock);
                // Give the server a chance to answer from the headers alone
                // (an early 413), so that the answer is not lost to a reset.
                for (let waited = 0; waited < waitBeforeBodyMs && !settled && !closed && received.length === 0; waited += 20) {
                    await new Promise((r) => setTimeout(r, 20));
                }
                for (const chunk of bodyChunks) {
                    if (settled || closed || sock.destroyed) break;
                    bytesSent += chunk.length;
                    if (!sock.write(chunk)) await drainOrClose(sock);
                }
            } catch (e) {
                error = error ?? e;
            }
        });
    });
}

function drainOrClose(sock) {
    return new Promise((resolve) => {
        const done = () => {
            sock.off('drain', done); sock.off('close', done); sock.off('error', done);
            resolve();
        };
        sock.on('drain', done); sock.on('close', done); sock.on('error', done);
    });
}

/* ---------------------------------------------------------------------------
 * Prometheus text format.
 * ------------------------------------------------------------------------- */

/** Parses samples: [{name, labels:{}, value}]. */
export function parseMetrics(text) {
    const samples = [];
    for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/.exec(line);
        if (!m) { samples.push({ name: null, line }); continue; }
        const labels = {};
        if (m[3]) {
            const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g;
            let lm;
            while ((lm = re.exec(m[3])) !== null) labels[lm[1]] = lm[2];
        }
        samples.push({ name: m[1], labels, value: Number(m[4]), line });
    }
    return samples;
}

export function metricSum(samples, name, pred = () => true) {
    return samples.filter((s) => s.name === name && pred(s.labels)).reduce((a, s) => a + s.value, 0);
}

/* ---------------------------------------------------------------------------
 * Request bodies.
 * ------------------------------------------------------------------------- */

export function appealBody({ article = {}, reader = {} } = {}) {
    return {
        article: { id: 'demo-article', language: 'en', ...article },
        reader: { bucket: 1234567890, ...reader },
    };
}
