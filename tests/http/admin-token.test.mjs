// The admin token (issue 16): guesses at it are limited per client, it opens
// /metrics, and it never travels in an article's address (preview and debug
// links carry short-lived signed tokens instead).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopAndAssertClean, suite, request, assertJson, assertJsonError, ADMIN_TOKEN,
} from './lib.mjs';

let srv;
const t = suite(() => srv);

before(async () => {
    srv = await startServer({ label: 'admin-token', config: { client_address_header: 'X-Client' } });
});
after(async () => { if (srv) await stopAndAssertClean(srv); });

const stats = (client, token) => request(srv, 'GET', '/v1/stats', {
    headers: { 'X-Client': client, ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
});

t('wrong admin tokens are limited per client: after ten, even the right one gets 429 there', async () => {
    const wrong = ADMIN_TOKEN.slice(0, -1) + (ADMIN_TOKEN.endsWith('x') ? 'y' : 'x');
    for (let i = 0; i < 10; i++) assertJsonError(await stats('guesser', wrong), 401);
    const limited = await stats('guesser', wrong);
    assertJsonError(limited, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0, `Retry-After: ${limited.headers['retry-after']}`);
    // Over its allowance, the client cannot tell the right token from a wrong one.
    assertJsonError(await stats('guesser', ADMIN_TOKEN), 429);
    // Many more guesses stay limited, and are cheap.
    for (let i = 0; i < 50; i++) assert.equal((await stats('guesser', `${wrong}${i}`)).status, 429);
    // Another client is not affected; a request without a token is no guess.
    assertJson(await stats('admin-desk', ADMIN_TOKEN), 200);
    for (let i = 0; i < 20; i++) assertJsonError(await stats('no-token'), 401);
    assertJson(await stats('no-token', ADMIN_TOKEN), 200);
});
