// Requests that wait on another service are answered by pools of workers
// (docs/OPERATIONS.md, "Workers"): a payment processor that hangs fills the
// readers' pool, and webhooks and the dashboard's sign-in still answer; a
// full pool answers 503 with Retry-After at once instead of queueing without
// end.
//
// "Stripe" here is a loopback server that accepts connections and never
// answers, so every checkout patron starts hangs until the test ends.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { afterEach, test } from 'node:test';
import { Client, addUser, http, startPatron, stopClean, tail } from './dashboard-lib.mjs';
import { WEBHOOK_SECRET } from '../payments/lib.mjs';
import { parseResponse } from './lib.mjs';

const READER_WORKERS = 2;
const QUEUE_LIMIT = 2;
const EXTRA_POSTS = 6; // beyond the busy workers: QUEUE_LIMIT wait, the rest are refused

/** A "Stripe" that takes connections and never answers. */
async function startHangingStripe() {
    const held = new Set();
    const server = net.createServer((socket) => {
        held.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => held.delete(socket));
        socket.resume(); // reads the request, never answers
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        held,
        url: `http://127.0.0.1:${server.address().port}`,
        /** Stops listening, then drops every held connection: later calls are refused. */
        async close() {
            if (!server.listening) return;
            const closed = new Promise((resolve) => server.close(() => resolve()));
            for (const socket of held) socket.destroy();
            await closed;
        },
    };
}

let stripe;
let patron;

async function waitFor(fn, what, { timeoutMs = 30_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
        if (fn()) return;
        await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`timed out waiting for ${what}\n${tail(patron?.stderr() ?? '')}`);
}

async function startWithHangingStripe(config = {}) {
    stripe = await startHangingStripe();
    patron = await startPatron({
        stripe: { url: stripe.url },
        label: 'workers',
        config: {
            // Longer than the test: the checkouts hang until "Stripe" goes.
            stripe_reader_timeout: '120',
            stripe_timeout: '120',
            ...config,
        },
    });
}

async function stopBoth() {
    await stripe?.close();
    await stopClean(patron);
}

afterEach(stopBoth);

/** A support POST that reaches the processor (the amount stated first). */
async function supportForm() {
    const form = { frequency: 'monthly', amount: 'other', other_amount: '5', currency: 'USD', lang: 'en' };
    const quote = await http(patron.base, 'GET', '/support/quote?' + new URLSearchParams(form));
    assert.equal(quote.status, 200, quote.body);
    form.confirm = JSON.parse(quote.body).confirm;
    return form;
}

function postSupport(form) {
    const entry = { done: false, result: null };
    entry.promise = http(patron.base, 'POST', '/support', { form, timeoutMs: 60_000 })
        .then((r) => { entry.result = r; }, (e) => { entry.result = { error: e }; })
        .finally(() => { entry.done = true; });
    return entry;
}

function signed(event) {
    const body = JSON.stringify(event);
    const t = Math.floor(Date.now() / 1000);
    const v1 = crypto.createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${body}`, 'utf8').digest('hex');
    return { body, header: `t=${t},v1=${v1}` };
}

test('a hanging processor fills the readers\' pool only: webhooks and sign-in answer, a full queue answers 503 with Retry-After', async () => {
    await startWithHangingStripe({
        reader_workers: String(READER_WORKERS),
        webhook_workers: '1',
        staff_workers: '1',
        worker_queue_limit: String(QUEUE_LIMIT),
    });
    addUser(patron, 'editor@example.org', 'editor');
    const held = stripe.held;
    const form = await supportForm();

    // The readers' workers take one checkout each and hang on "Stripe".
    const busy = Array.from({ length: READER_WORKERS }, () => postSupport(form));
    await waitFor(() => held.size >= READER_WORKERS, `${READER_WORKERS} checkouts to reach the processor`);

    // More readers: QUEUE_LIMIT of them wait for a worker, the others are
    // told at once to come back later.
    const extra = Array.from({ length: EXTRA_POSTS }, () => postSupport(form));
    await waitFor(() => extra.filter((e) => e.done).length >= EXTRA_POSTS - QUEUE_LIMIT,
        `${EXTRA_POSTS - QUEUE_LIMIT} support POSTs to be refused`);
    const refused = extra.filter((e) => e.done);
    assert.equal(refused.length, EXTRA_POSTS - QUEUE_LIMIT, 'exactly the requests past the queue are refused');
    for (const e of refused) {
        assert.ok(!e.result.error, `a refused POST failed instead: ${e.result.error}`);
        assert.equal(e.result.status, 503, e.result.body);
        assert.match(e.result.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/, 'a 503 for a full queue says when to come back');
        assert.match(e.result.body, /busy/i);
    }

    // A webhook (an event patron ignores, so it needs no call to "Stripe")
    // is answered while the readers' checkouts still hang.
    const event = signed({
        id: 'evt_workers_1', object: 'event', type: 'payment_intent.created', created: Math.floor(Date.now() / 1000),
        data: { object: { id: 'pi_workers_1', object: 'payment_intent' } },
    });
    const hook = await http(patron.base, 'POST', '/v1/webhooks/stripe', {
        body: event.body, headers: { 'Content-Type': 'application/json', 'Stripe-Signature': event.header }, timeoutMs: 20_000,
    });
    assert.equal(hook.status, 200, hook.body);
    assert.match(hook.body, /"ignored":true/);

    // And an editor signs in to the dashboard (argon2id, on the staff pool).
    const editor = new Client(patron);
    const login = await editor.signIn('editor@example.org');
    assert.equal(login.status, 303, login.body.slice(0, 300));
    const page = await editor.get('/dashboard/reports');
    assert.equal(page.status, 200);

    // All the while, every checkout that was taken or queued still hangs.
    const pending = [...busy, ...extra.filter((e) => !refused.includes(e))];
    assert.equal(pending.length, READER_WORKERS + QUEUE_LIMIT);
    assert.ok(pending.every((e) => !e.done),
        'the webhook and the sign-in were answered before any hung checkout');

    // "Stripe" goes away: the hung and queued checkouts end (in an error page,
    // not a hang), and the pool is free again.
    await stripe.close();
    await Promise.all(pending.map((e) => e.promise));
    for (const e of pending) {
        assert.ok(!e.result.error, `a queued POST failed: ${e.result.error}`);
        assert.ok(e.result.status >= 500, `a checkout without a processor answered ${e.result.status}`);
    }
});

/** Sends one request on an open socket and resolves its parsed answer (or
 * {status: null} when the socket closes or timeoutMs passes first). */
function exchange(socket, text, timeoutMs = 10_000) {
    return new Promise((resolve) => {
        let received = Buffer.alloc(0);
        const finish = (value) => {
            clearTimeout(timer);
            socket.off('data', onData);
            socket.off('close', onClose);
            resolve(value);
        };
        const onData = (d) => {
            received = Buffer.concat([received, d]);
            const r = parseResponse(received);
            if (r) finish(r);
        };
        const onClose = () => finish({ status: null, closed: true });
        const timer = setTimeout(() => finish({ status: null, timedOut: true }), timeoutMs);
        socket.on('data', onData);
        socket.on('close', onClose);
        socket.write(text);
    });
}

test('at shutdown a slow request on a kept-alive connection is answered 503 at once; the one in flight still finishes', async () => {
    await startWithHangingStripe();
    const form = await supportForm();
    const socket = net.connect({ host: '127.0.0.1', port: patron.port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    const slow = 'GET /dashboard/login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    assert.equal((await exchange(socket, slow)).status, 200, 'the kept-alive connection works');

    const inflight = postSupport(form);
    await waitFor(() => stripe.held.size >= 1, 'the checkout to reach the processor');
    patron.child.kill('SIGTERM');
    await waitFor(() => /shutting down/.test(patron.stderr()), 'patron to begin its shutdown');

    // Until the workers are told to stop, the page is served as usual; from
    // then on, at once 503: never queued for a worker that may be gone.
    let answer = null;
    for (let i = 0; i < 100; i++) {
        answer = await exchange(socket, slow);
        assert.ok(answer.status !== null,
            `a slow request during the shutdown was left waiting (${JSON.stringify(answer)})\n${tail(patron.stderr())}`);
        if (answer.status !== 200) break;
        await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(answer.status, 503, answer.body);
    assert.match(answer.headers['retry-after'] ?? '', /^[1-9][0-9]*$/);
    assert.equal(inflight.done, false, 'the 503 came while the checkout in flight still waited');

    // The checkout in flight is answered when "Stripe" goes, then patron exits cleanly.
    await stripe.close();
    await inflight.promise;
    assert.ok(!inflight.result.error, `the checkout in flight was cut off: ${inflight.result.error}`);
    assert.ok(inflight.result.status >= 500, `answered ${inflight.result.status}`);
    socket.destroy();
    const exit = await patron.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, tail(patron.stderr()));
});
