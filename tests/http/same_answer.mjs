// Answers that must not tell one address from another (issue 16): the whole
// response as bytes, over a connection of its own, less the Date header (the
// only line allowed to differ between two requests a second apart).

import assert from 'node:assert/strict';
import { rawExchange } from './lib.mjs';

/**
 * Sends one request on its own connection and resolves the response's bytes
 * (status line, headers in order, body) without its Date line.
 */
export async function answerBytes(port, method, urlPath, { headers = {}, body = '' } = {}) {
    const payload = Buffer.from(body, 'utf8');
    const lines = [`${method} ${urlPath} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (method === 'POST') lines.push(`Content-Length: ${payload.length}`);
    const r = await rawExchange(port, lines.join('\r\n') + '\r\n\r\n', payload.length ? [payload] : []);
    assert.ok(r.status !== null, `${method} ${urlPath}: no answer (${r.error})`);
    return r.received.split('\r\n').filter((line) => !/^date:/i.test(line)).join('\r\n');
}

/** Asserts that every answer is the same bytes as the first. */
export function assertSameAnswers(answers, what) {
    for (const [label, bytes] of Object.entries(answers)) {
        assert.equal(bytes, Object.values(answers)[0],
            `${what}: the answer for ${label} differs from the one for ${Object.keys(answers)[0]}`);
    }
}
