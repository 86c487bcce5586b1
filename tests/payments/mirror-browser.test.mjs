// A reader whose country blocks the newsroom's domain reads it on a mirror
// (issue 14, item 1), in headless Chromium: the mirror's article loads the
// widget from patron's mirror address, and from the appeal through the
// stand-in Stripe's checkout to the thank-you page every page and request
// of patron's stays on the mirror; the clearnet pages name the onion
// address (Onion-Location). Host names resolve to 127.0.0.1 inside Chromium
// only (--host-resolver-rules).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import nodeHttp from 'node:http';
import { after, before, test } from 'node:test';
import { launchBrowser } from '../browser/lib.mjs';
import { freePort, pledgeRow, startPatron, startSmtp, startStandin, stopClean, withLog } from './lib.mjs';

const ONION = 'http://patronmirrortestabcdefghijklmnopqrstuvwxyz234567abcdefghij.onion';
let standin;
let smtp;
let patron;
let article;
let browser;
let mirror;
let articleUrl;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, seedDemo: true, label: 'mirror' });
    mirror = `http://mirror.test:${patron.port}`;
    const articlePort = await freePort();
    articleUrl = `http://news-mirror.test:${articlePort}/2026/court`;
    // Only the newsroom's sites may read the API: the mirror's among them.
    await patron.stop();
    const text = fs.readFileSync(patron.configFile, 'utf8').replace(/^public_url = .*$/m, `public_url = ${patron.base} ${mirror} ${ONION}`);
    fs.writeFileSync(patron.configFile, `${text}article_origins = https://news.example http://news-mirror.test:${articlePort}\n`);
    await patron.start();
    // The newsroom's mirror: an article that embeds the appeal with one tag,
    // from patron's mirror address.
    article = nodeHttp.createServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Court</title></head>
<body><article><h1>The court</h1><p>${'Text. '.repeat(200)}</p></article>
<div data-patron data-article="demo-article" data-lang="en"></div>
<script src="${mirror}/widget.js" async></script></body></html>`);
    });
    await new Promise((resolve) => article.listen(articlePort, '127.0.0.1', resolve));
    browser = await launchBrowser(['--host-resolver-rules=MAP mirror.test 127.0.0.1, MAP news-mirror.test 127.0.0.1']);
});

after(async () => {
    await browser?.close();
    await new Promise((resolve) => (article ? article.close(resolve) : resolve()));
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

test('from the mirror\'s article through the checkout to the thank-you page, patron stays on the mirror', { timeout: 120_000 }, withLog(() => patron, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const seen = [];   // every request the pages made, and every page they reached
    const errors = [];
    page.on('request', (r) => seen.push(r.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (/Content Security Policy|form-action|Refused/i.test(m.text())) errors.push(m.text()); });
    const onionHeaders = [];
    page.on('response', (r) => {
        if (r.url().startsWith(mirror) && r.request().resourceType() === 'document') {
            onionHeaders.push([r.request().method(), r.status(), r.url(), r.headers()['onion-location']]);
        }
    });
    try {
        await page.goto(articleUrl);
        const appeal = page.locator('[data-patron] .patron-appeal');
        await appeal.waitFor({ state: 'visible', timeout: 15_000 });
        const monthly = appeal.locator('input[name="frequency"][value="monthly"]');
        if (await monthly.count()) await monthly.check();
        await appeal.locator('input[name="amount_monthly"][value="2"]').check();
        assert.equal(await appeal.locator('form.patron-form').evaluate((f) => f.action), `${mirror}/support`);
        await Promise.all([
            page.waitForURL((u) => u.href.startsWith(`${standin.url}/pay/`), { timeout: 15_000 }),
            appeal.locator('button.patron-support').click(),
        ]);
        await page.locator('#email').fill('mirror.reader@example.org');
        await Promise.all([page.waitForURL((u) => u.href.startsWith(`${mirror}/thanks?`), { timeout: 15_000 }), page.locator('#pay').click()]);
        assert.equal(await page.locator('.patron-pledge').getAttribute('data-status'), 'active');
        const pledgeId = new URL(page.url()).searchParams.get('pledge');
        assert.equal(pledgeRow(patron, pledgeId).status, 'active');
        // The thank-you page's own links and forms stay on the mirror too.
        const links = await page.evaluate(() => [...document.querySelectorAll('a[href], form[action], link[href], script[src]')]
            .map((e) => e.href || e.action || e.src).filter((u) => /^https?:/.test(u)));
        for (const u of links) assert.ok(!u.startsWith(patron.base), `the thank-you page links to the primary address: ${u}`);

        const primary = seen.filter((u) => u.startsWith(patron.base));
        assert.deepEqual(primary, [], 'no request went to patron\'s primary address');
        assert.ok(seen.some((u) => u === `${mirror}/v1/appeal`), 'the appeal was asked on the mirror');
        assert.ok(seen.some((u) => u.startsWith(`${mirror}/thanks?`)));
        assert.deepEqual(errors, []);
        // Clearnet pages name the onion: the same page there; a form's
        // answer (the 303 on to the checkout) names none.
        assert.ok(onionHeaders.some(([method]) => method === 'GET'), JSON.stringify(onionHeaders));
        for (const [method, status, url, location] of onionHeaders) {
            const u = new URL(url);
            if (method === 'GET' && status === 200) assert.equal(location, `${ONION}${u.pathname}${u.search}`, url);
            else assert.equal(location, undefined, `${method} ${status} ${url}`);
        }
    } finally {
        await context.close();
    }
}));
