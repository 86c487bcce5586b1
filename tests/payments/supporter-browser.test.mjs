// Supporters recognised on every device (issue 15, item 5), in headless
// Chromium: a supporter on a fresh device (a new browser context) sees the
// appeal, asks for the link at /supporter, follows the emailed link, and
// only after pressing its button does the browser count as a supporter's:
// the widget then asks /v1/appeal with reader.supporter and shows no appeal.
// With "leave no trace" (trace=none) the mark stays in the tab only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser } from '../browser/lib.mjs';
import { eventually, payAndReturn, startPatron, startSmtp, startStandin, stopClean, support } from './lib.mjs';
import { axe } from '../browser/dashboard-lib.mjs';

const APPEAL = '[data-patron] .patron-appeal';
const EMAIL = 'second.device@example.org';
const DEVICE = /https?:\/\/[^\s"<>]+\/supporter\/device\?t=[A-Za-z0-9_-]+/;
let standin;
let smtp;
let patron;
let browser;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, seedDemo: true, config: { demo_pages: 'true' }, label: 'supporter-browser' });
    const s = await support(patron, standin, { amount: '3', frequency: 'monthly' });
    assert.equal(s.status, 303, s.body);
    await payAndReturn(patron, standin, s.sessionId, { email: EMAIL });
    await standin.idle();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

const supporterMails = () => smtp.messages.filter((m) => m.envelope.to.includes(EMAIL) && /^Stop the appeals/.test(m.subject));
/* axe-core finds nothing on the page. */
async function accessible(page, name) {
    const report = await axe(page, name);
    assert.equal(report.violations.length, 0, `${report.line}\n${JSON.stringify(report.violations, null, 1).slice(0, 3000)}`);
}
const stored = (page) => page.evaluate(() => ({
    local: JSON.parse(localStorage.getItem('patron') || 'null'),
    tab: JSON.parse(sessionStorage.getItem('patron') || 'null'),
}));

/* Asks for the link on this page and resolves it, from the email. */
async function askForLink(page) {
    const had = supporterMails().length;
    await page.goto(`${patron.base}/supporter`);
    await accessible(page, 'the /supporter form');
    await page.locator('#email').fill(EMAIL);
    await Promise.all([page.waitForURL(`${patron.base}/supporter`), page.locator('button[type="submit"]').click()]);
    assert.match(await page.locator('h1').innerText(), /Check your email/);
    await eventually(() => supporterMails().length > had, { timeoutMs: 20_000, message: 'the supporter email' });
    return DEVICE.exec(supporterMails().at(-1).text)[0];
}

test('a second device follows the emailed link, presses the button, and sees no appeal', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });
    try {
        // A fresh device: the appeal shows.
        await page.goto(`${patron.base}/`);
        await page.locator(APPEAL).waitFor({ state: 'visible', timeout: 15_000 });

        const link = await askForLink(page);
        // Opening the link (what a mail scanner does) changes nothing.
        await page.goto(link);
        const button = page.locator('button.patron-supporter-device');
        await button.waitFor({ state: 'visible' });
        await accessible(page, 'the link\'s page');
        assert.notEqual((await stored(page)).local?.supporter, true, 'opening the link marked the browser');

        await Promise.all([page.waitForURL(`${patron.base}/supporter/device`), button.click()]);
        assert.match(await page.locator('h1').innerText(), /Thank you for your support/);
        await accessible(page, 'the page that marks the browser');
        await eventually(async () => (await stored(page)).local?.supporter === true, { timeoutMs: 5000, message: 'the supporter mark' });

        // The article: the widget asks as a supporter and shows no appeal.
        const asked = page.waitForRequest((r) => r.url() === `${patron.base}/v1/appeal`);
        const answered = page.waitForResponse((r) => r.url() === `${patron.base}/v1/appeal`);
        await page.locator('a.patron-back').click();
        const request = await asked;
        assert.equal(JSON.parse(request.postData()).reader.supporter, true);
        const answer = await (await answered).json();
        assert.equal(answer.reason, 'supporter');
        await page.waitForTimeout(500);
        assert.equal(await page.locator(APPEAL).count(), 0, 'the appeal still shows on the second device');
        assert.deepEqual(errors, []);
    } finally {
        await context.close();
    }
});

test('leave no trace: the link marks this tab only', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    try {
        const link = await askForLink(page);
        await page.goto(`${link}&trace=none`);
        const button = page.locator('button.patron-supporter-device');
        await Promise.all([page.waitForURL(/\/supporter\/device\?trace=none$/), button.click()]);
        await eventually(async () => (await stored(page)).tab?.supporter === true, { timeoutMs: 5000, message: 'the mark in the tab' });
        assert.equal((await stored(page)).local, null, 'a traceless reader got a lasting mark');
    } finally {
        await context.close();
    }
});
