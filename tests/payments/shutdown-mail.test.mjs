// SIGTERM while an email is being sent to a mail server that never answers:
// patron stops sending at once and writes the event counts held in memory,
// well inside systemd's 30 s, instead of waiting out smtp_timeout and every
// retry (about 134 s with the defaults).

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { payAndReturn, sleep, sqlite, startPatron, startStandin, support, tail } from './lib.mjs';

const SMTP_TIMEOUT = 30; // the default, as are the retries and their delay

let standin;
let smtp;
let patron;
const held = new Set();

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789', delivery: { baseDelayMs: 50, maxDelayMs: 400 } });
    // A mail server that takes the connection and never says hello.
    smtp = net.createServer((socket) => {
        held.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => held.delete(socket));
        socket.resume();
    });
    await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    patron = await startPatron({
        stripe: standin,
        smtp: { url: `smtp://127.0.0.1:${smtp.address().port}` },
        label: 'shutdown-mail',
        seedDemo: true,
        config: {
            smtp_timeout: String(SMTP_TIMEOUT),
            smtp_retries: '3',
            smtp_retry_delay_ms: '2000',
            events_flush_interval_ms: '600000', // counts stay in memory until shutdown
        },
    });
});

after(async () => {
    if (patron && !patron.exit) await patron.kill('SIGKILL');
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => smtp.close(() => resolve()));
    await standin?.close();
});

test('SIGTERM while the mail server hangs: exit 0 within a third of smtp_timeout, the event counts written', async () => {
    // A completed pledge queues its thank-you email; the sender connects to
    // the mail server, which never answers.
    const s = await support(patron, standin, { amount: '4' });
    assert.equal(s.status, 303, s.body);
    await payAndReturn(patron, standin, s.sessionId, { email: 'donor@example.org' });
    await standin.idle();
    for (let i = 0; i < 400 && held.size === 0; i++) await sleep(25);
    assert.ok(held.size > 0, `the thank-you email never reached the mail server\n${tail(patron.stderr())}`);

    // Counts held in memory.
    const events = Array.from({ length: 7 }, () => ({ kind: 'impression', campaign: 'demo-2026', variant: 'a' }));
    const r = await fetch(`${patron.base}/v1/events`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ events }),
    });
    assert.equal(r.status, 202);

    const started = Date.now();
    patron.child.kill('SIGTERM');
    let timer;
    const exit = await Promise.race([
        patron.exited,
        new Promise((resolve) => { timer = setTimeout(() => resolve('still running'), 2 * SMTP_TIMEOUT * 1000); }),
    ]);
    clearTimeout(timer);
    const took = Date.now() - started;
    assert.notEqual(exit, 'still running', `patron was still running ${2 * SMTP_TIMEOUT} s after SIGTERM\n${tail(patron.stderr())}`);
    assert.deepEqual(exit, { code: 0, signal: null }, tail(patron.stderr()));
    assert.ok(took < SMTP_TIMEOUT * 1000 / 3,
        `SIGTERM took ${took} ms with smtp_timeout ${SMTP_TIMEOUT} s: it waited on the mail server\n${tail(patron.stderr())}`);

    const rows = sqlite(patron.db, "SELECT SUM(count) AS n FROM event_counts WHERE kind = 'impression'");
    assert.equal(rows[0].n, 7, 'the counts held in memory were written');
    // The email was not given up: it is still queued, with no failed try counted.
    const queued = sqlite(patron.db, 'SELECT attempts FROM outbox WHERE sent_at IS NULL');
    assert.ok(queued.length >= 1, 'the unsent email is still queued');
    assert.ok(queued.every((row) => row.attempts === 0), `tries counted: ${JSON.stringify(queued)}`);
});
