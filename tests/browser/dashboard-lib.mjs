// Helpers for the dashboard's browser tests: patron with a stand-in Stripe
// (tests/payments/lib.mjs: it restarts on the same data and port with another
// clock), accounts from `patron admin add-user`, Debian's Chromium, axe-core
// on a page, screenshots into docs/dashboard/ when PATRON_SCREENSHOTS=1, and
// traffic through the real endpoints. Loopback only.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN, PATRON_BIN, REPO, http, sqlite, startPatron, startStandin, stopClean, support, payAndReturn, tail } from '../payments/lib.mjs';
import { launchBrowser, DESKTOP, PHONE, APPEAL, sleep } from './lib.mjs';
import { paletteCompress } from './png-palette.mjs';

export { ADMIN_TOKEN, REPO, http, sqlite, startStandin, stopClean, support, payAndReturn, tail, launchBrowser, DESKTOP, PHONE, APPEAL, sleep };

export const PASSWORD = 'correct horse battery staple';
export const AXE = path.join(REPO, 'node_modules', 'axe-core', 'axe.min.js');
export const SHOTS = path.join(REPO, 'docs', 'dashboard');
export const SCREENSHOTS = process.env.PATRON_SCREENSHOTS === '1';
let axeSource = null;

/** Adds a dashboard account from the command line; asserts success. */
export function addUser(patron, email, role, password = PASSWORD) {
    const env = { ...process.env, PATRON_PASSWORD: password };
    const r = spawnSync(PATRON_BIN, ['admin', 'add-user', email, '--role', role, '--config', patron.configFile], { encoding: 'utf8', timeout: 30_000, env });
    assert.equal(r.status, 0, `patron admin add-user ${email} failed: ${r.stderr}`);
}

/**
 * patron (serve --seed-demo, demo pages on, fast event flushes) with a
 * stand-in Stripe, and Chromium. Returns {patron, standin, browser, base, teardown()}.
 */
export async function setupDashboard({ label = 'dash-browser' } = {}) {
    const standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    let patron;
    let browser;
    try {
        patron = await startPatron({
            stripe: standin, seedDemo: true, label,
            // sendEvents speaks for many readers from one loopback address: the
            // per-client and per-batch limits on events are lifted here
            // (tests/http/events-limits.test.mjs tests them).
            config: {
                demo_pages: 'true', events_flush_interval_ms: '200', newsroom_name: 'The Demo Times',
                event_batches_per_minute: '1000000', events_per_variant_per_batch: '100',
            },
        });
        browser = await launchBrowser();
    } catch (e) {
        await stopClean(patron).catch(() => {});
        await standin.close();
        throw e;
    }
    return {
        patron, standin, browser, base: patron.base,
        async teardown() {
            await browser.close().catch(() => {});
            try { await stopClean(patron); } finally { await standin.close(); }
        },
    };
}

/** A page that records script errors and failed requests of patron's origin. */
export async function newPage(browser, { viewport = DESKTOP } = {}) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
        // A failed load is reported below with its address.
        if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) page.errors.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => { if (r.status() >= 400 && r.request().resourceType() !== 'document') page.errors.push(`${r.status()} ${r.request().method()} ${r.url()}`); });
    page.on('requestfailed', (r) => page.errors.push(`failed ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    return page;
}

/** Signs in through the form; lands on `next` (or the role's start page). */
export async function signIn(page, base, email, password = PASSWORD, next) {
    const url = `${base}/dashboard/login${next ? `?next=${encodeURIComponent(next)}` : ''}`;
    await page.goto(url);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await Promise.all([
        page.waitForURL((u) => u.pathname !== '/dashboard/login', { timeout: 15_000 }),
        page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
}

/**
 * Runs axe-core on the page (WCAG 2 A/AA and best practices). Returns
 * {name, counts: {critical, serious, moderate, minor}, violations, line}.
 */
export async function axe(page, name) {
    // patron's pages forbid inline script (CSP script-src 'self'), so
    // page.addScriptTag is refused; evaluating the source over the DevTools
    // protocol is not subject to the page's CSP, which stays in force.
    const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
    if (!loaded) {
        axeSource ??= fs.readFileSync(AXE, 'utf8');
        await page.evaluate(axeSource);
    }
    const result = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary })),
        }));
    });
    const counts = { critical: 0, serious: 0, moderate: 0, minor: 0 };
    for (const v of result) counts[v.impact ?? 'minor'] += 1;
    const ids = result.map((v) => `${v.id}(${v.impact}, ${v.nodes.length})`).join(' ');
    const line = `axe ${name}: critical ${counts.critical}, serious ${counts.serious}, moderate ${counts.moderate}, minor ${counts.minor}${ids ? ` — ${ids}` : ''}`;
    console.log(line);
    return { name, counts, violations: result, line };
}

/** The serious and critical violations, described for a failure message. */
export function describeSerious(report) {
    return report.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${report.name}: ${v.id} (${v.impact}) ${v.help}\n${v.nodes.map((n) => `    ${n.target}: ${n.html}\n      ${n.summary.replace(/\n/g, ' ')}`).join('\n')}`)
        .join('\n');
}

/** With PATRON_SCREENSHOTS=1: a full-page PNG, 1280 px wide, into docs/dashboard/NAME.png. */
export async function screenshot(page, name) {
    if (!SCREENSHOTS) return null;
    fs.mkdirSync(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${name}.png`);
    const size = page.viewportSize();
    if (size.width !== 1280) await page.setViewportSize({ width: 1280, height: size.height });
    const png = await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
    if (size.width !== 1280) await page.setViewportSize(size);
    // A palette of the 256 commonest colours keeps a page under ~250 KB.
    const small = paletteCompress(png);
    fs.writeFileSync(file, small.length < png.length ? small : png);
    console.log(`screenshot ${name}: ${path.relative(REPO, file)}, ${Math.round(fs.statSync(file).size / 1024)} KB`);
    return file;
}

/* ----------------------------------------------------------------------------
 * Traffic through the real endpoints.
 * ------------------------------------------------------------------------- */

/** POST /v1/appeal as the widget does, for a reader with this bucket. */
export async function appealFor(base, bucket, { article = 'demo-article', language = 'en', section = 'investigations' } = {}) {
    const body = JSON.stringify({ article: { id: article, language, section }, reader: { bucket } });
    const r = await http(base, 'POST', '/v1/appeal', { body, headers: { 'Content-Type': 'text/plain' } });
    assert.equal(r.status, 200, `POST /v1/appeal: ${r.status} ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body).appeal;
}

/** POST /v1/events with these events ({kind, campaign, variant}). */
export async function sendEvents(base, events) {
    for (let i = 0; i < events.length; i += 100) {
        const body = JSON.stringify({ events: events.slice(i, i + 100) });
        const r = await http(base, 'POST', '/v1/events', { body, headers: { 'Content-Type': 'text/plain' } });
        assert.equal(r.status, 202, `POST /v1/events: ${r.status} ${r.body.slice(0, 300)}`);
        assert.equal(JSON.parse(r.body).ignored, 0, `events ignored: ${r.body}`);
    }
}

/** Makes GET /v1/stats write the counts held in memory; returns them. */
export async function flushCounts(base) {
    const r = await http(base, 'GET', '/v1/stats', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body).counts;
}

/** A pledge through /support and the stand-in's Pay; returns the pledge id. */
export async function pledge(patron, standin, { campaign, variant, amount = '5', frequency = 'monthly', email }) {
    const s = await support(patron, standin, { amount, frequency, campaign, variant });
    assert.equal(s.status, 303, `POST /support: ${s.status} ${s.body.slice(0, 300)}`);
    await payAndReturn(patron, standin, s.sessionId, { email });
    return s.pledgeId;
}
