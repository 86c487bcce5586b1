// Helpers for the "Remind me later" tests: an SMTP server on 127.0.0.1 (npm
// smtp-server) whose answers each test can script, a small MIME reader for
// what patron sends, months relative to today, and `patron reminders send`
// run as its own process (asynchronously: the SMTP server lives in this
// process's event loop, so a spawnSync would deadlock it).
//
// The server side comes from tests/http/lib.mjs: `patron serve` on a free
// loopback port in a fresh temporary folder.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { SMTPServer } from 'smtp-server';
import { PATRON_BIN, HOST, startServer, postJson, sqlite, tail } from '../http/lib.mjs';

export {
    PATRON_BIN, HOST, ADMIN_TOKEN, sleep, startServer, stopAndAssertClean, postJson, postForm,
    request, sqlite, tail, assertJson, assertJsonError, assertHtml, parseJson, parseMetrics,
    metricSum, suite,
} from '../http/lib.mjs';

export const NEWSROOM = 'The Test Gazette';
export const MAIL_FROM = 'reminders@gazette.test';

/* ------------------------------------------------------------- months */

const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
    'September', 'October', 'November', 'December'];
const RU_IN_MONTHS = ['в январе', 'в феврале', 'в марте', 'в апреле', 'в мае', 'в июне', 'в июле',
    'в августе', 'в сентябре', 'в октябре', 'в ноябре', 'в декабре'];

/** "YYYY-MM" of the current UTC month plus `k` months. */
export function monthFromNow(k, now = new Date()) {
    const index = now.getUTCFullYear() * 12 + now.getUTCMonth() + k;
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** A --now value inside a month: the 5th at 09:00 UTC. */
export const sendTime = (month) => `${month}-05T09:00:00Z`;

/** "in January" / "в январе" for a "YYYY-MM". */
export function inMonth(month, language) {
    const m = Number(month.slice(5, 7));
    return language === 'ru' ? RU_IN_MONTHS[m - 1] : `in ${EN_MONTHS[m - 1]}`;
}

/* ---------------------------------------------------------- the server */

/**
 * Starts patron serve for reminders: an SMTP URL, a newsroom name, short
 * retries, a generous sign-up limit unless the test sets one.
 */
export async function startPatron({ smtpPort, config = {}, label = 'reminders' } = {}) {
    return startServer({
        label,
        config: {
            newsroom_name: NEWSROOM,
            mail_from: MAIL_FROM,
            smtp_url: smtpPort ? `smtp://${HOST}:${smtpPort}` : null,
            smtp_timeout: '10',
            smtp_retries: '0',
            smtp_retry_delay_ms: '50',
            reminder_signups_per_hour: '1000',
            ...config,
        },
    });
}

/** POST /v1/reminders; returns the response. */
export function signUp(srv, fields, opts = {}) {
    return postJson(srv, '/v1/reminders', fields, opts);
}

/**
 * Signs up and asserts 200. A new address and one already signed up get the
 * same answer (issue 16: no address oracle), so there is nothing to tell apart.
 */
export async function signUpOk(srv, fields) {
    const r = await signUp(srv, fields);
    assert.equal(r.status, 200,
        `POST /v1/reminders ${JSON.stringify(fields)} answered ${r.status}: ${r.body}`);
    const j = JSON.parse(r.body);
    assert.ok(!('created' in j), `the answer says nothing of the address: ${r.body}`);
    if (fields.month) assert.equal(j.month, fields.month, `month in the answer: ${r.body}`);
    return j;
}

/** Rows of the reminders table: [{month, language, campaign, variant, token, sealedHex}]. */
export function reminderRows(srv) {
    return sqlite(srv, 'SELECT month, language, campaign, variant, cancel_token, hex(email_sealed) ' +
        'FROM reminders ORDER BY id').map(([month, language, campaign, variant, token, sealedHex]) =>
        ({ month, language, campaign, variant, token, sealedHex }));
}

/** The newest row (the one a sign-up just made). */
export function lastRow(srv) {
    const rows = reminderRows(srv);
    assert.ok(rows.length > 0, 'no reminder rows');
    return rows[rows.length - 1];
}

export function rowCount(srv) {
    return Number(sqlite(srv, 'SELECT count(*) FROM reminders')[0][0]);
}

/** reminder_counts as {"YYYY-MM kind": count}. */
export function reminderCounts(srv) {
    const out = {};
    for (const [month, kind, count] of sqlite(srv, 'SELECT month, kind, count FROM reminder_counts')) {
        out[`${month} ${kind}`] = Number(count);
    }
    return out;
}

/* ------------------------------------------------------ the send command */

const children = new Set();
process.on('exit', () => {
    for (const child of children) { try { child.kill('SIGKILL'); } catch { /* gone */ } }
});

/**
 * Starts `patron reminders send --config FILE --now TIME` without waiting.
 * Returns {child, done: Promise<{code, signal, stderr, stdout, timedOut}>}.
 */
export function startSend(srv, now, { timeoutMs = 60_000 } = {}) {
    const args = ['reminders', 'send', '--config', srv.configFile];
    if (now) args.push('--now', now);
    const child = spawn(PATRON_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    const done = new Promise((resolve) => {
        child.on('exit', (code, signal) => {
            clearTimeout(timer);
            children.delete(child);
            // Let the pipes drain.
            setImmediate(() => resolve({ code, signal, stdout, stderr, timedOut }));
        });
        child.on('error', (e) => {
            clearTimeout(timer);
            children.delete(child);
            resolve({ code: null, signal: null, stdout, stderr: stderr + String(e), timedOut });
        });
    });
    return { child, done };
}

/** Runs a send to completion and returns its result. */
export async function runSend(srv, now, opts = {}) {
    const r = await startSend(srv, now, opts).done;
    assert.ok(!r.timedOut, `patron reminders send did not finish in time\n${tail(r.stderr)}`);
    return r;
}

/** Runs a send and asserts its exit status. */
export async function runSendExpect(srv, now, status, opts = {}) {
    const r = await runSend(srv, now, opts);
    assert.deepEqual({ code: r.code, signal: r.signal }, { code: status, signal: null },
        `patron reminders send --now ${now}: expected exit ${status}\n--- stderr ---\n${tail(r.stderr)}`);
    return r;
}

/** Parses the command's summary line "reminders due D, sent S, failed F, deferred X". */
export function sendSummary(stderr) {
    const m = /reminders due (\d+), sent (\d+), failed (\d+), deferred (\d+)/.exec(stderr);
    assert.ok(m, `no summary line in the send's output:\n${tail(stderr)}`);
    return { due: Number(m[1]), sent: Number(m[2]), failed: Number(m[3]), deferred: Number(m[4]) };
}

/* ------------------------------------------------------------- MIME */

/** RFC 2047 encoded words (B and Q), adjacent words joined. */
export function decodeWords(value) {
    const joined = value.replace(/\?=\s+=\?/g, '?==?');
    return joined.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (all, charset, enc, text) => {
        assert.match(charset, /^utf-8$/i, `encoded word in charset ${charset}`);
        if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
        const bytes = text.replace(/_/g, ' ')
            .replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16)));
        return Buffer.from(bytes, 'latin1').toString('utf8');
    });
}

function splitHead(raw) {
    const m = /\r?\n\r?\n/.exec(raw);
    const headText = m ? raw.slice(0, m.index) : raw;
    const body = m ? raw.slice(m.index + m[0].length) : '';
    const headers = {};
    const rawHeaders = {};
    let current = null;
    for (const line of headText.split(/\r?\n/).slice(0, 500)) {
        if (/^[ \t]/.test(line) && current) {
            rawHeaders[current][rawHeaders[current].length - 1] += '\r\n' + line;
            continue;
        }
        const i = line.indexOf(':');
        if (i <= 0) continue;
        current = line.slice(0, i).trim().toLowerCase();
        (rawHeaders[current] ??= []).push(line.slice(i + 1).trim());
    }
    for (const [k, values] of Object.entries(rawHeaders)) {
        headers[k] = values.map((v) => decodeWords(v).replace(/\r\n[ \t]*/g, ' ')).join(', ');
    }
    return { headers, rawHeaders, body };
}

function decodeBody(body, encoding) {
    const e = (encoding ?? '7bit').toLowerCase();
    if (e === 'base64') {
        const compact = body.replace(/\s+/g, '');
        assert.match(compact, /^[A-Za-z0-9+/]*={0,2}$/, 'a base64 body with characters outside base64');
        return Buffer.from(compact, 'base64').toString('utf8');
    }
    if (e === 'quoted-printable') {
        return Buffer.from(body.replace(/=\r?\n/g, '')
            .replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    }
    return body;
}

/** Parses a message: {headers, rawHeaders, subject, text, html, parts}. */
export function parseMail(raw) {
    const { headers, rawHeaders, body } = splitHead(raw);
    const out = { headers, rawHeaders, subject: headers.subject ?? '', text: null, html: null, parts: [] };
    const type = headers['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary) {
        const sections = body.split(`--${boundary}`);
        for (const section of sections.slice(1, 50)) {
            if (section.startsWith('--')) break;
            const part = splitHead(section.replace(/^\r?\n/, ''));
            const partType = part.headers['content-type'] ?? 'text/plain';
            const content = decodeBody(part.body, part.headers['content-transfer-encoding']);
            out.parts.push({ headers: part.headers, type: partType, content });
            if (/^text\/plain/i.test(partType) && out.text === null) out.text = content;
            if (/^text\/html/i.test(partType) && out.html === null) out.html = content;
        }
    } else {
        const content = decodeBody(body, headers['content-transfer-encoding']);
        if (/^text\/html/i.test(type)) out.html = content; else out.text = content;
    }
    return out;
}

/* ---------------------------------------------------------- SMTP server */

function smtpError(code, text) {
    const e = new Error(text);
    e.responseCode = code;
    return e;
}

/**
 * An SMTP server on 127.0.0.1 that keeps what it accepts.
 *
 *   rcpt(address, n)  -> null to accept, or [code, text] to refuse
 *                        (n counts RCPT commands from 1)
 *   data(message, n)  -> null to accept, or [code, text] to refuse
 *                        (message is parsed; n counts DATA commands from 1)
 *   dataDelayMs       -> wait this long before answering each DATA
 *   onAccepted(msg)   -> called right after a message is accepted
 *
 * All can be changed later on the returned object (`smtp.rcpt = ...`).
 * `delivered` holds accepted messages; `seen` every message whose data
 * arrived (accepted or not); `log` every decision.
 */
export async function startSmtp(behaviour = {}) {
    const smtp = {
        rcpt: null, data: null, dataDelayMs: 0, onAccepted: null,
        ...behaviour,
        delivered: [], seen: [], aborted: [], log: [],
        rcptCount: 0, dataCount: 0, connections: 0,
    };
    const closed = new Set();
    const server = new SMTPServer({
        secure: false,
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        hideSTARTTLS: true,
        logger: false,
        size: 1 << 20,
        maxClients: 50,
        socketTimeout: 20_000,
        closeTimeout: 2_000,
        onConnect(session, callback) { smtp.connections++; callback(); },
        onClose(session) { closed.add(session.id); },
        onRcptTo(address, session, callback) {
            const n = ++smtp.rcptCount;
            const answer = smtp.rcpt ? smtp.rcpt(address.address, n) : null;
            smtp.log.push({ cmd: 'RCPT', n, to: address.address, answer });
            if (answer) return callback(smtpError(answer[0], answer[1]));
            return callback();
        },
        onData(stream, session, callback) {
            const chunks = [];
            let bytes = 0;
            stream.on('data', (c) => { bytes += c.length; if (bytes <= (1 << 20)) chunks.push(c); });
            stream.on('end', () => {
                const n = ++smtp.dataCount;
                const raw = Buffer.concat(chunks).toString('utf8');
                const message = {
                    raw,
                    envelope: {
                        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
                        to: session.envelope.rcptTo.map((r) => r.address),
                    },
                    ...parseMail(raw),
                    at: Date.now(),
                };
                smtp.seen.push(message);
                const finish = () => {
                    if (closed.has(session.id)) {
                        // The client went away before the answer: not delivered.
                        smtp.log.push({ cmd: 'DATA', n, to: message.envelope.to, answer: 'client gone' });
                        smtp.aborted.push(message);
                        return callback(smtpError(421, 'gone'));
                    }
                    const answer = smtp.data ? smtp.data(message, n) : null;
                    smtp.log.push({ cmd: 'DATA', n, to: message.envelope.to, answer });
                    if (answer) return callback(smtpError(answer[0], answer[1]));
                    smtp.delivered.push(message);
                    callback(null, 'queued');
                    if (smtp.onAccepted) smtp.onAccepted(message);
                    return undefined;
                };
                if (smtp.dataDelayMs > 0) setTimeout(finish, smtp.dataDelayMs); else finish();
            });
        },
    });
    server.on('error', () => { /* a client that went away */ });
    await new Promise((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(0, HOST, resolve);
    });
    smtp.port = server.server.address().port;
    smtp.url = `smtp://${HOST}:${smtp.port}`;
    /** Delivered messages addressed to `address` (envelope). */
    smtp.to = (address) => smtp.delivered.filter((m) => m.envelope.to.includes(address));
    smtp.close = () => new Promise((resolve) => {
        const timer = setTimeout(resolve, 3000);
        server.close(() => { clearTimeout(timer); resolve(); });
    });
    return smtp;
}

/** Counts deliveries per envelope recipient: Map(address -> n). */
export function deliveriesByAddress(messages) {
    const counts = new Map();
    for (const m of messages) for (const to of m.envelope.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    return counts;
}

/** The cancel URL of a message, from List-Unsubscribe "<URL>". */
export function unsubscribeUrl(message) {
    const m = /^<([^>]+)>$/.exec(message.headers['list-unsubscribe'] ?? '');
    assert.ok(m, `List-Unsubscribe is not "<URL>": ${JSON.stringify(message.headers['list-unsubscribe'])}`);
    return m[1];
}

/** Reads a file's bytes, or an empty buffer when it does not exist. */
export function readBytes(file) {
    try { return fs.readFileSync(file); } catch (e) { if (e.code === 'ENOENT') return Buffer.alloc(0); throw e; }
}

