// axe-core on every dashboard page and on the demo article with its appeal:
// no violation of impact "serious" or "critical". One summary line per page
// ("axe NAME: critical N, serious N, moderate N, minor N — rule(impact, nodes)").
// With PATRON_SCREENSHOTS=1 each page is also saved, 1280 px wide and full
// length, as docs/dashboard/NAME.png (the pictures in docs/DASHBOARD.md).
//
// The data behind the pages is made through the real endpoints first: an A/B
// campaign (admin API), appeals and events, pledges through the stand-in's
// checkout, so the tables and charts have something in them.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
    ADMIN_TOKEN,
    APPEAL, DESKTOP, PHONE, addUser, appealFor, axe, describeSerious, flushCounts, http, newPage, pledge, screenshot,
    sendEvents, setupDashboard, signIn,
} from './dashboard-lib.mjs';

let env;
let page;
const ADMIN = 'ana.admin@demo-times.example';
const reports = [];
let pledgeId;

const AB = {
    id: 'spring-ab',
    name: 'Spring appeal: short or long headline',
    status: 'live',
    priority: 50,
    // One language keeps the editor's picture short; the flow test has two.
    languages: ['en'],
    test_id: 'spring-headline',
    // The goal ticker (issue 15): its figure comes from the pledges below.
    goal: { kind: 'supporters', target: 100, text: { en: '{count} of {goal} readers have joined us this spring' } },
    variants: [
        { id: 'a', frequencies: ['monthly', 'one_off'], presets: [300, 500, 1000], text: { en: { headline: 'Independent journalism needs you', body: 'We answer to readers, not owners. Support us from **$3** a month.' } } },
        { id: 'b', frequencies: ['monthly', 'one_off'], presets: [300, 500, 1000], text: { en: { headline: 'Keep us free to report', body: 'Every pledge keeps the newsroom *independent*.' } } },
    ],
};

before(async () => {
    env = await setupDashboard({ label: 'dash-a11y' });
    const { patron, standin, base } = env;
    addUser(patron, ADMIN, 'admin');
    const created = await http(base, 'POST', '/v1/admin/campaigns', {
        body: JSON.stringify(AB), headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    });
    assert.equal(created.status, 201, created.body);
    // Readers with different buckets: impressions for both variants, some clicks.
    const events = [];
    const seen = { a: 0, b: 0 };
    for (let i = 0; i < 60; i++) {
        const appeal = await appealFor(base, 1_000_003 + i * 71_582_788);
        if (!appeal || appeal.campaign !== AB.id) continue;
        seen[appeal.variant]++;
        events.push({ kind: 'impression', campaign: AB.id, variant: appeal.variant });
        if (i % 4 === 0) events.push({ kind: 'click', campaign: AB.id, variant: appeal.variant });
    }
    assert.ok(seen.a > 0 && seen.b > 0, `both variants are shown: ${JSON.stringify(seen)}`);
    await sendEvents(base, events);
    for (const [variant, n] of [['a', 2], ['b', 3]]) {
        for (let i = 0; i < n; i++) {
            pledgeId = await pledge(patron, standin, { campaign: AB.id, variant, amount: String(3 + i), email: `reader.${variant}${i}@example.org` });
        }
    }
    await standin.idle();
    await flushCounts(base);
    page = await newPage(env.browser, { viewport: DESKTOP });
});

after(async () => {
    for (const r of reports) console.log(r.line);
    await page?.context().close().catch(() => {});
    await env?.teardown();
});

/** axe on what the page shows now, a screenshot, and the serious/critical check. */
async function check(name) {
    await page.waitForLoadState('load');
    await page.evaluate(() => document.fonts && document.fonts.ready);
    const report = await axe(page, name);
    reports.push(report);
    await screenshot(page, name);
    assert.equal(report.counts.critical + report.counts.serious, 0, `serious or critical axe violations:\n${describeSerious(report)}`);
    const errors = page.errors.splice(0);
    assert.deepEqual(errors, [], `script errors or failed loads on ${name}`);
}

/** Opens a dashboard page; it must answer 200. */
async function open(path) {
    const r = await page.goto(`${env.base}${path}`);
    assert.equal(r.status(), 200, `GET ${path} answered ${r.status()}`);
}

const t = (name, fn) => test(name, { timeout: 60_000 }, async () => {
    try {
        await fn();
    } catch (e) {
        try { e.message += `\n--- patron (tail) ---\n${env.patron.stderr().slice(-3000)}`; } catch { /* read-only */ }
        throw e;
    }
});

t('login', async () => {
    await open('/dashboard/login');
    await check('login');
});

t('sign in, then the campaigns list', async () => {
    await signIn(page, env.base, ADMIN, undefined, '/dashboard/campaigns');
    assert.equal(new URL(page.url()).pathname, '/dashboard/campaigns');
    await open('/dashboard/campaigns');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await check('campaigns');
});

t('the campaign editor (new, and an existing A/B campaign with its preview)', async () => {
    await open('/dashboard/campaigns/new');
    await check('campaign-new');
    await open(`/dashboard/campaigns/${AB.id}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.locator('.campaign-preview[data-live]').waitFor({ state: 'attached' });
    await check('campaign-editor');
    // The goal ticker's part, open, and the figure the preview read.
    await page.locator('summary', { hasText: 'Goal ticker' }).click();
    await page.getByLabel('Sentence in en').waitFor();
    assert.match(await page.locator('.preview-goal').first().innerText(), /Goal ticker now: \d+ of 100 new supporters/);
    await check('campaign-goal');
    // Ending a live campaign asks first, on a page of its own.
    await open('/dashboard/campaigns/demo-2026/end');
    await check('campaign-end');
});

t('the campaign editor on a phone', async () => {
    await page.setViewportSize(PHONE);
    try {
        await open(`/dashboard/campaigns/${AB.id}`);
        await page.locator('.campaign-preview[data-live]').waitFor({ state: 'attached' });
        const report = await axe(page, 'campaign-editor (phone)');
        reports.push(report);
        assert.equal(report.counts.critical + report.counts.serious, 0, `serious or critical axe violations:\n${describeSerious(report)}`);
        // Every folded part open, and the preview shown over the form.
        const folded = page.locator('details:not([open]) > summary');
        for (let i = 0; i < 40 && await folded.count() > 0; i++) await folded.first().click();
        assert.equal(await folded.count(), 0, 'every part is open');
        await page.getByRole('button', { name: 'Show the preview' }).click();
        const opened = await axe(page, 'campaign-editor (phone, parts open, preview shown)');
        reports.push(opened);
        assert.equal(opened.counts.critical + opened.counts.serious, 0, `serious or critical axe violations:\n${describeSerious(opened)}`);
    } finally {
        await page.setViewportSize(DESKTOP);
    }
});

t('reports, with its charts drawn', async () => {
    // Two weeks, so that the day-by-day table (and the picture) stays short.
    const from = new Date(Date.now() - 13 * 86400_000).toISOString().slice(0, 10);
    await open(`/dashboard/reports?from=${from}`);
    await page.locator('#reports-traffic-chart canvas').first().waitFor({ timeout: 10_000 });
    await check('reports');
});

t('donors, a donor\'s pledges and one pledge', async () => {
    await open('/dashboard/donors');
    await check('donors');
    await page.getByLabel('Donor\'s email address').first().fill('reader.b2@example.org');
    await Promise.all([page.waitForURL(/\/dashboard\/donors\/find$/), page.getByRole('button', { name: 'Find pledges' }).click()]);
    await check('donor-pledges');
    await open(`/dashboard/donors/pledge/${pledgeId}`);
    await check('pledge');
});

t('users, audit log, settings', async () => {
    await open('/dashboard/users');
    await check('users');
    await open('/dashboard/audit');
    await check('audit');
    await open('/dashboard/settings');
    await check('settings');
});

t('the demo article with the appeal', async () => {
    const reader = await newPage(env.browser, { viewport: DESKTOP });
    try {
        await reader.goto(`${env.base}/`);
        await reader.locator(APPEAL).waitFor({ state: 'visible', timeout: 15_000 });
        const report = await axe(reader, 'demo-article');
        reports.push(report);
        assert.equal(report.counts.critical + report.counts.serious, 0, `serious or critical axe violations:\n${describeSerious(report)}`);
    } finally {
        await reader.context().close();
    }
});
