// The reports a newcomer reads in `patron demo`, at phone (390 px) and
// desktop (1280 px) width: the demo's 30 generated days (labelled by a
// banner) give a verdict sentence above the statistics, each campaign's
// funnel in its real order, each variant's range against 0, chart legends
// with values; no page of reports, users or the audit log scrolls sideways,
// and the tables become cards on a phone. `patron serve` on a fresh folder
// generates nothing. axe stays at 0 serious or critical violations.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PATRON_BIN, DESKTOP, PHONE, freePort, launchBrowser, sleep } from './lib.mjs';
import { axe, describeSerious } from './dashboard-lib.mjs';

let demo;
let browser;
const dirs = [];

/** `patron demo` on a fresh folder; resolves once it prints the password. */
async function startDemo() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-reports-demo-'));
    dirs.push(dir);
    const port = await freePort();
    const child = spawn(PATRON_BIN, ['demo', '--port', String(port), '--data-dir', path.join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    for (let i = 0; i < 200 && !/password (\S+)/.test(out); i++) await sleep(100);
    const password = /password (\S+)/.exec(out)?.[1];
    assert.ok(password, `patron demo did not start:\n${out}\n${err}`);
    return { child, dir, base: `http://127.0.0.1:${port}`, password, stderr: () => err };
}

async function stop(handle) {
    if (!handle || handle.child.exitCode !== null) return;
    const done = new Promise((resolve) => handle.child.once('exit', resolve));
    handle.child.kill('SIGTERM');
    await done;
}

before(async () => {
    demo = await startDemo();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close().catch(() => {});
    await stop(demo);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function signedInPage(viewport) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    await page.goto(`${demo.base}/dashboard/login`);
    await page.getByLabel('Email address').fill('editor@demo.example');
    await page.getByLabel('Password').fill(demo.password);
    await Promise.all([
        page.waitForURL((u) => u.pathname !== '/dashboard/login', { timeout: 15_000 }),
        page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    return page;
}

async function noSidewaysScroll(page, what) {
    const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scrollWidth <= innerWidth, `${what} scrolls sideways: ${scrollWidth} > ${innerWidth}`);
    const wraps = await page.evaluate(() => [...document.querySelectorAll('.dash-table-wrap')].map((w) => [w.getAttribute('aria-label'), w.scrollWidth, w.clientWidth]));
    for (const [label, scroll, client] of wraps) assert.ok(scroll <= client + 1, `${what}: the table "${label}" scrolls sideways (${scroll} > ${client})`);
}

const today = new Date().toISOString().slice(0, 10);

for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    test(`the demo's reports read as a verdict, fit the ${name} (${viewport.width} px)`, { timeout: 90_000 }, async () => {
        const page = await signedInPage(viewport);
        try {
            await page.goto(`${demo.base}/dashboard/reports`);
            // The generated days are said to be generated.
            await page.locator('#reports-generated').getByText(`The numbers before ${today} are generated for the demo`).waitFor();
            // One sentence above the statistics, with the method's certainty.
            const line = await page.locator('#reports-verdict-lines li').first().innerText();
            assert.match(line, /^demo-history-ab: Variant b raises more per thousand views than a: 95% sure\.$/);
            const [lineTop, tableTop] = await page.evaluate(() => [document.getElementById('reports-verdict-lines'), document.getElementById('verdict-table')].map((e) => e.getBoundingClientRect().top));
            assert.ok(lineTop < tableTop, 'the verdict line is above the table');
            // Each campaign's funnel in its real order, with its values.
            const steps = await page.locator('#reports-funnel-chart .reports-funnel-campaign', { has: page.locator('h3:text-is("demo-history-ab")') }).locator('li .reports-step-label').allInnerTexts();
            assert.deepEqual(steps, ['Impressions', 'Clicks', 'Checkouts started', 'Pledges']);
            const values = (await page.locator('#reports-funnel-chart .reports-funnel-campaign').first().locator('.reports-step-value').allInnerTexts()).map((v) => Number(v.replace(/,/g, '')));
            assert.ok(values[0] > values[1] && values[3] > 0, `the funnel's values: ${values}`);
            // The variant's range against 0, as the verdict table has it.
            const range = await page.locator('#reports-revenue-ranges li').first().innerText();
            assert.match(range, /demo-history-ab: b against a\s+\+[\d.]+ \(\+[\d.]+ to \+[\d.]+\)\s+ahead/);
            // The daily chart's legend gives the period's values.
            await page.locator('#reports-traffic-chart canvas').first().waitFor({ timeout: 10_000 });
            assert.match(await page.locator('#reports-traffic-chart .reports-legend').innerText(), /Impressions \(solid line\): [\d,]+ in the period/);
            await noSidewaysScroll(page, 'the reports');
            if (viewport.width === PHONE.width) {
                // Cards: no visible header row; each cell says its column.
                assert.equal(await page.locator('#funnel-table thead').evaluate((e) => e.getBoundingClientRect().height <= 1), true, 'the header row is out of sight on a phone');
                const cell = page.locator('#funnel-table tbody tr').first().locator('td[data-label="Impressions"]');
                assert.equal(await cell.evaluate((e) => getComputedStyle(e, '::before').content), '"Impressions: "');
            }
            const report = await axe(page, `reports (${name})`);
            assert.equal(report.counts.critical + report.counts.serious, 0, describeSerious(report));
            for (const where of ['users', 'audit']) {
                await page.goto(`${demo.base}/dashboard/${where}`);
                await noSidewaysScroll(page, `the ${where} page`);
                const checked = await axe(page, `${where} (${name})`);
                assert.equal(checked.counts.critical + checked.counts.serious, 0, describeSerious(checked));
            }
            assert.deepEqual(page.errors, []);
        } catch (e) {
            e.message += `\n--- patron ---\n${demo.stderr().slice(-2000)}`;
            throw e;
        } finally {
            await page.context().close();
        }
    });
}

test('a restarted demo does not add to its history; serve never generates any', { timeout: 60_000 }, async () => {
    const marker = fs.readFileSync(path.join(demo.dir, 'data', 'demo-history'), 'utf8');
    assert.equal(marker.trim(), today);
    assert.match(demo.stderr(), /generated 30 days of demo history/);
    // The same folder again: nothing generated.
    await stop(demo);
    const again = spawn(PATRON_BIN, ['demo', '--port', String(await freePort()), '--data-dir', path.join(demo.dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    again.stderr.on('data', (d) => { err += d; });
    for (let i = 0; i < 100 && !/listening/.test(err); i++) await sleep(100);
    again.kill('SIGTERM');
    await new Promise((resolve) => again.once('exit', resolve));
    assert.match(err, /listening/);
    assert.doesNotMatch(err, /generated/);
    // serve --seed-demo on a fresh folder: no history, no marker.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-reports-serve-'));
    dirs.push(dir);
    const config = path.join(dir, 'patron.conf');
    fs.writeFileSync(config, `listen = 127.0.0.1\nport = ${await freePort()}\ndata_dir = ${path.join(dir, 'data')}\ndemo_pages = true\n`);
    const serve = spawn(PATRON_BIN, ['serve', '--config', config, '--seed-demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let serveErr = '';
    serve.stderr.on('data', (d) => { serveErr += d; });
    for (let i = 0; i < 100 && !/listening/.test(serveErr); i++) await sleep(100);
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.once('exit', resolve));
    assert.match(serveErr, /listening/);
    assert.doesNotMatch(serveErr, /generated/);
    assert.equal(fs.existsSync(path.join(dir, 'data', 'demo-history')), false, 'serve wrote a demo history marker');
    assert.match(serveErr, /1 campaign\(s\) in service/, 'serve added the generated campaign');
});
