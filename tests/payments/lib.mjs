// Helpers for the payment tests: patron with a stand-in Stripe and an SMTP
// server that keeps messages, all on 127.0.0.1.
//
// The binary is $PATRON_BIN, or build/patron at the repository root.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN } from '../http/lib.mjs';

export { ADMIN_TOKEN };
import { startStandin } from '../stripe/standin.mjs';
import { startSmtp } from '../stripe/mail.mjs';

export { startStandin } from '../stripe/standin.mjs';
export { startSmtp, parseMail, manageLink } from '../stripe/mail.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PATRON_BIN = process.env.PATRON_BIN ? path.resolve(process.env.PATRON_BIN) : path.join(REPO, 'build', 'patron');
export const HOST = '127.0.0.1';
export const SECRET_KEY = 'sk_test_51PatronStandinKey0000000000';
export const WEBHOOK_SECRET = 'whsec_patronStandinSecret0123456789';
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const tempDirs = [];
const children = new Set();
process.on('exit', () => {
    for (const child of children) { try { child.kill('SIGKILL'); } catch { /* gone */ } }
    if (process.env.PATRON_KEEP_TMP) return;
    for (const dir of tempDirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ } }
});

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

export function tail(s, n = 6000) {
    return s.length > n ? '…' + s.slice(-n) : s;
}

/**
 * Starts `patron serve --config FILE` wired to a stand-in Stripe (and an SMTP
 * server when smtp is given). Returns a handle:
 *   base, port, dir, db, configFile, stderr(), kill(signal), stop() (SIGTERM, status),
 *   restart() (same config, data and port), webhookUrl
 * The stand-in's webhookUrl is set to patron's endpoint. keyFrom: a key file
 * copied into the new data_dir first (another node of the same database).
 */
export async function startPatron({ stripe, smtp = null, config = {}, seedDemo = false, env = {}, label = 'pay', secrets = WEBHOOK_SECRET, keyFrom = null } = {}) {
    assert.ok(fs.existsSync(PATRON_BIN), `patron binary not found at ${PATRON_BIN} (set PATRON_BIN)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `patron-${label}-`));
    tempDirs.push(dir);
    const port = await freePort();
    const base = `http://${HOST}:${port}`;
    const keys = {
        listen: HOST,
        port: String(port),
        data_dir: path.join(dir, 'data'),
        public_url: base,
        admin_token: ADMIN_TOKEN,
        threads: '4',
        newsroom_name: 'The Stand-in Times',
        stripe_api_base: stripe ? stripe.url : null,
        stripe_secret_key: stripe ? SECRET_KEY : null,
        stripe_webhook_secrets: stripe ? secrets : null,
        smtp_url: smtp ? smtp.url : null,
        smtp_retry_delay_ms: '100',
        smtp_timeout: '10',
        mail_from: 'support@standin-times.example',
        log_requests: 'false',
        pledge_attempts_per_hour: '1000',
        ...config,
    };
    const lines = ['# written by tests/payments/lib.mjs'];
    for (const [k, v] of Object.entries(keys)) if (v !== null && v !== undefined) lines.push(`${k} = ${v}`);
    const configFile = path.join(dir, 'patron.conf');
    fs.writeFileSync(configFile, lines.join('\n') + '\n');
    if (keyFrom) {
        fs.mkdirSync(keys.data_dir, { mode: 0o700 });
        fs.copyFileSync(keyFrom, path.join(keys.data_dir, 'patron.key'));
        fs.chmodSync(path.join(keys.data_dir, 'patron.key'), 0o600);
    }

    const handle = {
        dir, port, base, configFile,
        db: path.join(dir, 'data', 'patron.db'),
        webhookUrl: `${base}/v1/webhooks/stripe`,
        child: null,
        exit: null,
        log: '',
        runs: 0,
        stderr() { return this.log; },
    };
    if (stripe) stripe.webhookUrl = handle.webhookUrl;

    handle.start = async (moreEnv = {}) => {
        const args = ['serve', '--config', configFile];
        if (seedDemo) args.push('--seed-demo');
        const child = spawn(PATRON_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, ...moreEnv } });
        children.add(child);
        handle.child = child;
        handle.exit = null;
        handle.runs++;
        const run = handle.runs;
        const keep = (d) => {
            handle.log += d;
            if (handle.log.length > 400_000) handle.log = handle.log.slice(-200_000);
        };
        child.stderr.setEncoding('utf8');
        child.stdout.setEncoding('utf8');
        child.stderr.on('data', keep);
        child.stdout.on('data', keep);
        handle.exited = new Promise((resolve) => {
            child.on('exit', (code, signal) => {
                children.delete(child);
                handle.exit = { code, signal };
                keep(`[run ${run} exited: code ${code}, signal ${signal}]\n`);
                resolve(handle.exit);
            });
        });
        const deadline = Date.now() + 15_000;
        for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
            if (handle.exit) break;
            try {
                const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
                if (r.status === 200) return handle;
            } catch { /* not yet */ }
            await sleep(50);
        }
        if (!handle.exit) { child.kill('SIGKILL'); await handle.exited; }
        throw new Error(`patron did not answer /healthz (exit ${JSON.stringify(handle.exit)}):\n${tail(handle.log)}`);
    };
    handle.kill = async (signal = 'SIGKILL') => {
        if (!handle.child || handle.exit) return handle.exit;
        handle.child.kill(signal);
        return handle.exited;
    };
    handle.stop = async () => {
        if (!handle.child || handle.exit) return handle.exit;
        handle.child.kill('SIGTERM');
        let timer;
        const r = await Promise.race([handle.exited, new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), 15_000); })]);
        clearTimeout(timer);
        if (r === 'timeout') { handle.child.kill('SIGKILL'); await handle.exited; return { code: null, signal: 'SIGKILL', timedOut: true }; }
        return r;
    };
    handle.restart = async (moreEnv = {}) => {
        await handle.stop();
        return handle.start(moreEnv);
    };
    await handle.start();
    return handle;
}

/** Stops patron with SIGTERM and asserts a clean exit (status 0) with no
 * sanitizer report in its output (for PATRON_BIN=build-asan/patron). */
export async function stopClean(patron) {
    if (!patron) return;
    const exit = await patron.stop();
    const log = patron.stderr();
    assert.ok(!/ERROR: (Address|Leak|Thread|UndefinedBehavior)Sanitizer|runtime error:/.test(log), `a sanitizer spoke:\n${tail(log, 6000)}`);
    assert.deepEqual({ code: exit?.code, signal: exit?.signal }, { code: 0, signal: null }, `patron did not exit cleanly after SIGTERM:\n${tail(log, 4000)}`);
}

/** Rows of a query with the sqlite3 CLI, as objects. */
export function sqlite(db, sql) {
    const r = spawnSync('sqlite3', ['-readonly', '-json', db, sql], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `sqlite3 failed on ${JSON.stringify(sql)}: ${r.stderr}`);
    const text = r.stdout.trim();
    return text === '' ? [] : JSON.parse(text);
}

/** One request with fetch, no redirects followed. Returns {status, headers, body, location}. */
export async function http(base, method, urlPath, { form, body, headers = {}, timeoutMs = 20_000 } = {}) {
    const init = { method, redirect: 'manual', headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) };
    if (form !== undefined) {
        init.body = new URLSearchParams(form).toString();
        init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else if (body !== undefined) {
        init.body = body;
    }
    const url = /^https?:/.test(urlPath) ? urlPath : `${base}${urlPath}`;
    const r = await fetch(url, init);
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: text, location: r.headers.get('location') };
}

/** The statement the support page shows for form ("You will give $2 every
 * month"), asked of patron as /support.js does; its token goes into form so
 * the POST goes on to the checkout. */
export async function stateAmount(patron, form) {
    const r = await http(patron.base, 'GET', '/support/quote?' + new URLSearchParams(form));
    if (r.status === 200) form.confirm = JSON.parse(r.body).confirm;
    return form;
}

/**
 * POST /support as the support page's form does. Returns {status, location,
 * sessionId, pledgeId, body}; sessionId and pledgeId when patron answered 303
 * to the stand-in's checkout page.
 */
export async function support(patron, stripe, { amount = '2', frequency = 'monthly', currency = 'USD', lang = 'en', campaign, variant, headers } = {}) {
    const form = { frequency, amount: 'other', other_amount: amount, currency, lang };
    if (campaign) form.campaign = campaign;
    if (variant) form.variant = variant;
    await stateAmount(patron, form);
    const r = await http(patron.base, 'POST', '/support', { form, headers });
    const out = { status: r.status, location: r.location, body: r.body, sessionId: null, pledgeId: null };
    if (r.status === 303 && r.location && r.location.startsWith(`${stripe.url}/pay/`)) {
        out.sessionId = decodeURIComponent(r.location.slice(`${stripe.url}/pay/`.length));
        out.pledgeId = stripe.session(out.sessionId)?.metadata?.pledge_id ?? null;
    }
    return out;
}

/** The hosted checkout's "Pay" (POST /pay/ID), then the thank-you page it
 * sends the donor to. Returns {pay, thanks, thanksUrl}. */
export async function payAndReturn(patron, stripe, sessionId, { email = 'donor@example.org' } = {}) {
    const pay = await http(stripe.url, 'POST', `/pay/${encodeURIComponent(sessionId)}`, { form: { email } });
    assert.equal(pay.status, 303, `the stand-in's Pay answered ${pay.status}: ${pay.body.slice(0, 300)}`);
    const thanks = await http(patron.base, 'GET', pay.location.slice(patron.base.length));
    return { pay, thanks, thanksUrl: pay.location };
}

/** The one pledge row. */
export function pledgeRow(patron, pledgeId) {
    const rows = sqlite(patron.db, `SELECT id, status, frequency, amount_minor, currency, checkout_id, customer_id, subscription_id, hex(email_sealed) AS sealed, length(email_sealed) AS sealed_length, hex(email_hash) AS hash FROM pledges WHERE id = '${pledgeId.replace(/'/g, "''")}'`);
    return rows[0] ?? null;
}

/** Waits (bounded) until fn() is truthy; returns its value. */
export async function eventually(fn, { timeoutMs = 10_000, intervalMs = 50, message = 'condition' } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
        last = await fn();
        if (last) return last;
        await sleep(intervalMs);
    }
    last = await fn();
    if (last) return last;
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
}

/** Attaches patron's stderr to a failing test's message. */
export function withLog(getPatron, fn) {
    return async (t) => {
        try {
            await fn(t);
        } catch (e) {
            const p = getPatron();
            if (p) {
                try { e.message = `${e.message}\n--- patron stderr (tail) ---\n${tail(p.stderr(), 4000)}\n--- end ---`; } catch { /* read-only */ }
            }
            throw e;
        }
    };
}
