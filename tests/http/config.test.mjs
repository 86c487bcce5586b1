// Settings other than the test defaults (patron.conf.example).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
    withStatement,
    startServer, stopAndAssertClean, suite, request, postJson, postForm, assertJson, assertJsonError, assertHtml,
    appealBody, nowSeconds, DAY, makeTempDir, freePort, writeConfig, runPatron, sqlite, ADMIN_TOKEN,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => {
    srv = await startServer({
        label: 'config',
        config: {
            admin_token: null, // not set: /v1/stats answers 403
            snooze_max_days: '2',
            frame_ancestors: 'https://news.example.org',
            body_limit: '1024',
            max_amount: '100',
            demo_pages: 'false',
        },
    });
});
after(async () => { if (srv) await stopAndAssertClean(srv); });

t('without admin_token, /v1/stats is 403 even with a token', async () => {
    assertJsonError(await request(srv, 'GET', '/v1/stats'), 403);
    assertJsonError(await request(srv, 'GET', '/v1/stats', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }), 403);
    assertJsonError(await request(srv, 'GET', '/v1/stats', { headers: { Authorization: 'Bearer ' } }), 403);
});

t('snooze_max_days caps every snooze', async () => {
    const now = nowSeconds();
    const snooze = (reason, days) => appealBody({ reader: { snoozes: [{ campaign: 'demo-2026', reason, at: now - days * DAY }] } });
    assert.deepEqual(assertJson(await postJson(srv, '/v1/appeal', snooze('later', 1)), 200), { appeal: null, reason: 'snoozed' });
    for (const [reason, days] of [['later', 2.5], ['close', 3], ['supporting', 10]]) {
        const j = assertJson(await postJson(srv, '/v1/appeal', snooze(reason, days)), 200);
        assert.equal(j.appeal?.campaign, 'demo-2026', `${reason} ${days} days ago with snooze_max_days = 2: ${JSON.stringify(j)}`);
    }
});

t('frame_ancestors sets the CSP of /embed/appeal', async () => {
    const r = await request(srv, 'GET', '/embed/appeal?article=demo-article&lang=en');
    assertHtml(r, 200);
    assert.match(r.headers['content-security-policy'] ?? '', /frame-ancestors https:\/\/news\.example\.org/);
});

t('body_limit = 1024: 1025 bytes is 413, 1024 is fine', async () => {
    const good = JSON.stringify(appealBody());
    assertJsonError(await postJson(srv, '/v1/appeal', ' '.repeat(1025 - good.length) + good), 413);
    assertJson(await postJson(srv, '/v1/appeal', ' '.repeat(1024 - good.length) + good), 200);
});

t('max_amount = 100: 101 is 422, 100 is 201', async () => {
    const form = (amount) => ({ campaign: 'demo-2026', variant: 'a', lang: 'en', currency: 'EUR', frequency: 'monthly', amount });
    const before = sqlite(srv, 'SELECT COUNT(*) FROM pledges')[0][0];
    assertHtml(await postForm(srv, '/support', form('101')), 422);
    assert.equal(sqlite(srv, 'SELECT COUNT(*) FROM pledges')[0][0], before);
    assertHtml(await postForm(srv, '/support', await withStatement(srv, form('100'))), 201);
    assert.deepEqual(sqlite(srv, "SELECT amount_minor, currency FROM pledges WHERE status='pending'"), [['10000', 'EUR']]);
});

t('demo_pages = false: / and /ru are 404 HTML', async () => {
    assertHtml(await request(srv, 'GET', '/'), 404);
    assertHtml(await request(srv, 'GET', '/ru'), 404);
});

/* ---- bad configuration stops patron with status 2 ---------------------- */

async function badConfig(rawLines, extra = {}) {
    const dir = makeTempDir('badconf');
    const port = await freePort();
    const file = writeConfig(dir, port, extra, rawLines);
    return { file, lines: fs.readFileSync(file, 'utf8').split('\n'), dir };
}

t('an unknown key stops patron with status 2, naming the key and the line', async () => {
    const { file, lines } = await badConfig(['colour = blue']);
    const lineNo = lines.indexOf('colour = blue') + 1;
    const r = runPatron(['serve', '--config', file, '--seed-demo'], 10_000);
    assert.equal(r.status, 2, `status ${r.status} signal ${r.signal}\n${r.stderr}`);
    assert.match(r.stderr, /colour/);
    assert.match(r.stderr, new RegExp(`\\b${lineNo}\\b`), `names line ${lineNo}: ${r.stderr}`);
});

t('a bad value stops patron with status 2, naming the key', async () => {
    for (const [key, value] of [['port', 'eighty'], ['events_flush_interval_ms', '-5'], ['demo_pages', 'maybe'], ['body_limit', '12abc']]) {
        const { file } = await badConfig([], { [key]: value });
        const r = runPatron(['serve', '--config', file], 10_000);
        assert.equal(r.status, 2, `${key} = ${value}: status ${r.status} signal ${r.signal}\n${r.stderr}`);
        assert.match(r.stderr, new RegExp(key), `${key} = ${value}: ${r.stderr}`);
    }
});

t('a short or patterned admin_token stops patron at start, naming the key and not the value', async () => {
    for (const value of ['s3cret', 'test-token', 'x'.repeat(64), 'Q9vT2kZ1bX7cN4aR8mW3eY6uP0sL5hJ2gF']) {
        const { file } = await badConfig([], { admin_token: value });
        const r = runPatron(['serve', '--config', file], 10_000);
        assert.equal(r.status, 2, `admin_token = ${value}: status ${r.status} signal ${r.signal}\n${r.stderr}`);
        assert.match(r.stderr, /admin_token/, r.stderr);
        assert.match(r.stderr, /at least 43 characters/, r.stderr);
        assert.match(r.stderr, /head -c 32 \/dev\/urandom \| base64/, r.stderr);
        assert.ok(!r.stderr.includes(value), `the refused token is not echoed: ${r.stderr}`);
    }
});

// A 1x1 PNG, for newsroom_logo.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

t('accent_color and newsroom_logo: refused at start when unreadable, served by patron itself', async () => {
    for (const [key, value, reason] of [
        ['accent_color', '#ffcc00', /contrast/],
        ['accent_color', 'blue', /#0b5cad/],
        ['newsroom_logo', '/nonexistent/logo.png', /cannot open/],
    ]) {
        const { file } = await badConfig([], { [key]: value });
        const r = runPatron(['serve', '--config', file], 10_000);
        assert.equal(r.status, 2, `${key} = ${value}: status ${r.status}\n${r.stderr}`);
        assert.match(r.stderr, new RegExp(key), r.stderr);
        assert.match(r.stderr, reason, r.stderr);
    }
    const dir = makeTempDir('brand');
    const notImage = `${dir}/logo.txt`;
    fs.writeFileSync(notImage, 'hello');
    const { file } = await badConfig([], { newsroom_logo: notImage });
    const r = runPatron(['serve', '--config', file], 10_000);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not a PNG, JPEG, GIF, WebP or SVG/);

    const logo = `${dir}/logo.png`;
    fs.writeFileSync(logo, PNG);
    const branded = await startServer({ label: 'brand', config: { newsroom_logo: logo, accent_color: '#7a1f1f', newsroom_name: 'Novaya Gazeta Europe' } });
    try {
        const css = await request(branded, 'GET', '/brand.css');
        assert.equal(css.status, 200);
        assert.match(css.body.toString(), /--patron-accent: #7a1f1f/);
        const image = await request(branded, 'GET', '/brand/logo');
        assert.equal(image.status, 200);
        assert.equal(image.headers['content-type'], 'image/png');
        assert.ok(image.raw.equals(PNG), 'the file, byte for byte');
        const page = assertHtml(await request(branded, 'GET', '/support?lang=en'), 200);
        assert.match(page, /<img class="patron-logo" src="\/brand\/logo" alt="Novaya Gazeta Europe">/);
        assert.match(page, /<link rel="stylesheet" href="\/brand.css">/);
    } finally {
        await stopAndAssertClean(branded);
    }
    // Without a logo: the name in text, and /brand/logo is 404.
    assert.equal((await request(srv, 'GET', '/brand/logo')).status, 404);
});
