// "Remind me later" by email, end to end: the reader signs up on the demo
// article, the send runs with its clock in the chosen month, the email
// arrives at a real SMTP server on loopback, and its cancel link, opened and
// confirmed in the browser, cancels (so a second send sends nothing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, DESKTOP, SLOT } from './lib.mjs';
import {
    startSmtp, startPatron, stopAndAssertClean, runSend, sendTime, sendSummary,
    unsubscribeUrl, sqlite, monthFromNow,
} from '../reminders/lib.mjs';

let smtp, srv, browser;
before(async () => {
    smtp = await startSmtp();
    srv = await startPatron({ smtpPort: smtp.port, label: 'remind-email' });
    browser = await launchBrowser();
});
after(async () => {
    if (browser) await browser.close();
    if (srv) await stopAndAssertClean(srv);
    if (smtp) await smtp.close();
});

test('sign up in the appeal, get the one email in that month, cancel from its link', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
        await page.goto(`${srv.base}/`);
        const later = page.locator(`${SLOT} [data-patron-action="later"]`);
        await later.waitFor({ timeout: 15_000 });
        await later.click();
        const form = page.locator(`${SLOT} form[data-patron-remind]`);
        await form.waitFor({ timeout: 5000 });
        // Choose the month after next, whatever the rule offers.
        const month = monthFromNow(2);
        await page.getByLabel('Month').selectOption(month);
        await page.getByLabel('Email address').fill('e2e.reader@example.org');
        await form.locator('button[type="submit"]').click();
        const done = page.locator(`${SLOT} .patron-thanks`).filter({ hasText: /Done/ });
        await done.waitFor({ timeout: 5000 });
        const monthName = new Date(`${month}-15T00:00:00Z`).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
        assert.match(await done.innerText(), new RegExp(`in ${monthName}`), 'the confirmation names the month');
        assert.equal(sqlite(srv, 'SELECT count(*) FROM reminders')[0][0], '1');

        // A send in an earlier month sends nothing; in the chosen month, one email.
        const early = await runSend(srv, sendTime(monthFromNow(1)));
        assert.equal(sendSummary(early.stderr).sent, 0, early.stderr);
        const due = await runSend(srv, sendTime(month));
        assert.equal(due.code, 0, due.stderr);
        assert.equal(sendSummary(due.stderr).sent, 1, due.stderr);
        assert.equal(smtp.delivered.length, 1);
        const message = smtp.delivered[0];
        assert.deepEqual(message.envelope.to, ['e2e.reader@example.org']);
        assert.match(message.text ?? '', new RegExp(`in ${monthName}`));
        const cancel = unsubscribeUrl(message);
        assert.ok(cancel && cancel.startsWith(`${srv.base}/reminders/cancel?token=`), cancel);

        // The link, opened, asks; confirmed, cancels (already sent: nothing left).
        await page.goto(cancel);
        const button = page.locator('form[method="post"] button[type="submit"]');
        await button.waitFor({ timeout: 5000 });
        await button.click();
        await page.locator('h1').filter({ hasText: /nothing to cancel|cancelled/i }).waitFor({ timeout: 5000 });
        assert.equal(sqlite(srv, 'SELECT count(*) FROM reminders')[0][0], '0');
        const again = await runSend(srv, sendTime(month));
        assert.equal(sendSummary(again.stderr).sent, 0, 'a second send sends nothing');
        assert.equal(smtp.delivered.length, 1);
    } finally {
        await context.close();
    }
});

test('a reminder cancelled from its link before its month is never sent', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
        await page.goto(`${srv.base}/`);
        const later = page.locator(`${SLOT} [data-patron-action="later"]`);
        await later.waitFor({ timeout: 15_000 });
        await later.click();
        const month = monthFromNow(3);
        await page.getByLabel('Month').selectOption(month);
        await page.getByLabel('Email address').fill('changed.mind@example.org');
        await page.locator(`${SLOT} form[data-patron-remind] button[type="submit"]`).click();
        await page.locator(`${SLOT} .patron-thanks`).filter({ hasText: /Done/ }).waitFor({ timeout: 5000 });
        const token = sqlite(srv, 'SELECT cancel_token FROM reminders')[0][0];
        await page.goto(`${srv.base}/reminders/cancel?token=${token}`);
        assert.equal(sqlite(srv, 'SELECT count(*) FROM reminders')[0][0], '1', 'opening the link cancels nothing');
        await page.locator('form[method="post"] button[type="submit"]').click();
        await page.locator('h1').filter({ hasText: /cancelled/i }).waitFor({ timeout: 5000 });
        assert.equal(sqlite(srv, 'SELECT count(*) FROM reminders')[0][0], '0');
        const before = smtp.delivered.length;
        const run = await runSend(srv, sendTime(month));
        assert.equal(sendSummary(run.stderr).sent, 0);
        assert.equal(smtp.delivered.length, before);
    } finally {
        await context.close();
    }
});
