// The widget's weight: at most 4 KB gzipped, as patron serves it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startPatron } from './lib.mjs';

let patron;
before(async () => {
  patron = await startPatron();
});
after(async () => {
  await patron?.stop();
});

test('the served widget.js is at most 4096 bytes gzipped', async () => {
  const res = await fetch(patron.base + '/widget.js');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') || '', /javascript/);
  const body = Buffer.from(await res.arrayBuffer());
  assert.ok(body.length > 500, `widget.js is ${body.length} bytes: is it the built widget?`);
  assert.match(body.toString('latin1'), /\/v1\/appeal/, 'it is the widget');
  const gzipped = gzipSync(body, { level: 9 }).length;
  assert.ok(gzipped <= 4096, `widget.js is ${gzipped} bytes gzipped`);
});

test('the served appeal.css stays small (at most 2048 bytes gzipped)', async () => {
  const res = await fetch(patron.base + '/appeal.css');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') || '', /^text\/css/);
  const body = Buffer.from(await res.arrayBuffer());
  assert.match(body.toString('utf8'), /\.patron-appeal/);
  const gzipped = gzipSync(body, { level: 9 }).length;
  assert.ok(gzipped <= 2048, `appeal.css is ${gzipped} bytes gzipped`);
});
