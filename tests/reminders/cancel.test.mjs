// The cancel link: GET only asks (mail scanners open every link), the form's
// POST and a mail client's one-click POST (RFC 8058) cancel; a cancelled
// reminder is never sent; a second cancel answers 200 "nothing to cancel".

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import {
    startSmtp, startPatron, stopAndAssertClean, signUpOk, lastRow, reminderRows, reminderCounts,
    rowCount, runSendExpect, sendSummary, monthFromNow, sendTime, request, postForm, assertHtml,
    unsubscribeUrl, deliveriesByAddress, readBytes, suite,
} from './lib.mjs';

let smtp;
let srv;
const t = suite(() => srv);
const M1 = monthFromNow(1);
const tok = {};
const sealed = {};

const ONE_CLICK = 'List-Unsubscribe=One-Click';

/** POST the one-click body to a cancel URL (as a mail client does). */
function oneClick(url) {
    const u = new URL(url);
    assert.equal(`${u.protocol}//${u.host}`, srv.base, `the cancel URL points at patron: ${url}`);
    return request(srv, 'POST', u.pathname + u.search, {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(ONE_CLICK) },
        body: ONE_CLICK,
    });
}

const hasToken = (token) => reminderRows(srv).some((r) => r.token === token);

before(async () => {
    smtp = await startSmtp();
    srv = await startPatron({ smtpPort: smtp.port, label: 'reminders-cancel' });
    for (const name of ['keep', 'form', 'oneclick', 'multipart', 'mailclient']) {
        await signUpOk(srv, { email: `${name}@cancel.example`, month: M1 });
        tok[name] = lastRow(srv).token;
        sealed[name] = lastRow(srv).sealedHex;
    }
    assert.equal(rowCount(srv), 5);
});

after(async () => {
    if (srv) await stopAndAssertClean(srv);
    if (smtp) await smtp.close();
});

t('GET on the cancel link shows a confirmation page and cancels nothing', async () => {
    const r = await request(srv, 'GET', `/reminders/cancel?token=${tok.keep}`);
    const body = assertHtml(r, 200);
    // The form posts to the public address, so a path prefix in public_url is kept.
    assert.match(body, new RegExp(`<form[^>]*method="post"[^>]*action="${srv.base}/reminders/cancel"`, 'i'), body);
    assert.match(body, new RegExp(`name="token" value="${tok.keep}"`), 'the form carries the token');
    assert.match(body, /<button[^>]*type="submit"/i);
    assert.match(r.headers['cache-control'] ?? '', /no-store/);
    // Twice, as scanners do; and a HEAD.
    await request(srv, 'GET', `/reminders/cancel?token=${tok.keep}`);
    await request(srv, 'HEAD', `/reminders/cancel?token=${tok.keep}`);
    assert.ok(hasToken(tok.keep), 'a GET must not cancel');
    assert.equal(reminderCounts(srv)[`${M1} cancelled`], undefined);
});

t('the page\'s form (POST token=...) cancels and deletes the address', async () => {
    const r = await postForm(srv, '/reminders/cancel', { token: tok.form });
    const body = assertHtml(r, 200);
    assert.match(body, /cancelled/i, body);
    assert.ok(!hasToken(tok.form), 'the row is gone');
    assert.equal(reminderCounts(srv)[`${M1} cancelled`], 1);
});

t('the one-click POST (List-Unsubscribe=One-Click) to the link cancels', async () => {
    const r = await oneClick(`${srv.base}/reminders/cancel?token=${tok.oneclick}`);
    assert.equal(r.status, 200, `one-click POST answered ${r.status}: ${r.body.slice(0, 300)}`);
    assert.ok(!hasToken(tok.oneclick), 'the row is gone');
    assert.equal(reminderCounts(srv)[`${M1} cancelled`], 2);
});

t('the one-click POST as multipart/form-data (RFC 8058 prefers it) cancels too', async () => {
    const boundary = '----patron-test-boundary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const r = await request(srv, 'POST', `/reminders/cancel?token=${tok.multipart}`, {
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': Buffer.byteLength(body) },
        body,
    });
    assert.equal(r.status, 200, `multipart one-click answered ${r.status}: ${r.body.slice(0, 300)}`);
    assert.ok(!hasToken(tok.multipart), 'the row is gone');
    assert.equal(reminderCounts(srv)[`${M1} cancelled`], 3);
});

t('cancelling twice answers 200 "nothing to cancel"', async () => {
    for (const r of [await postForm(srv, '/reminders/cancel', { token: tok.form }),
        await oneClick(`${srv.base}/reminders/cancel?token=${tok.oneclick}`)]) {
        const body = assertHtml(r, 200);
        assert.match(body, /nothing to cancel/i, body);
    }
    // A well-formed token that never existed: the same answer.
    const unknown = 'A'.repeat(tok.form.length);
    assert.match(assertHtml(await postForm(srv, '/reminders/cancel', { token: unknown }), 200), /nothing to cancel/i);
    // A cut-off link is a 400 that says so, and cancels nothing.
    const cut = await postForm(srv, '/reminders/cancel', { token: tok.keep.slice(0, 10) });
    assert.equal(cut.status, 400);
    assert.ok(hasToken(tok.keep));
    assert.equal(reminderCounts(srv)[`${M1} cancelled`], 3, 'a repeated cancel is not counted again');
});

t('cancelled reminders are never sent; the List-Unsubscribe URL from a real email cancels by one click', async () => {
    // First run: the SMTP server takes each message in but answers 451, so
    // nothing is sent and we can read what would have been.
    smtp.data = () => [451, 'Not now (test)'];
    const r1 = await runSendExpect(srv, sendTime(M1), 3);
    assert.deepEqual(sendSummary(r1.stderr), { due: 2, sent: 0, failed: 0, deferred: 2 }, r1.stderr);
    const attempted = [...new Set(smtp.seen.map((m) => m.envelope.to[0]))].sort();
    assert.deepEqual(attempted, ['keep@cancel.example', 'mailclient@cancel.example'], 'cancelled reminders are not even tried');

    // The mail client's one-click, to the URL in the email's header.
    const email = smtp.seen.find((m) => m.envelope.to[0] === 'mailclient@cancel.example');
    assert.equal(email.headers['list-unsubscribe-post'], ONE_CLICK);
    const url = unsubscribeUrl(email);
    assert.ok(url.includes(`token=${tok.mailclient}&`), url);
    const r = await oneClick(url);
    assert.equal(r.status, 200, r.body.slice(0, 300));
    assert.ok(!hasToken(tok.mailclient));

    // The server recovers: only "keep" (whose link was merely opened) is sent.
    smtp.data = null;
    const r2 = await runSendExpect(srv, sendTime(M1), 0);
    assert.deepEqual(sendSummary(r2.stderr), { due: 1, sent: 1, failed: 0, deferred: 0 }, r2.stderr);
    assert.deepEqual(Object.fromEntries(deliveriesByAddress(smtp.delivered)), { 'keep@cancel.example': 1 });
    assert.equal(rowCount(srv), 0);
    const counts = reminderCounts(srv);
    assert.equal(counts[`${M1} cancelled`], 4, JSON.stringify(counts));
    assert.equal(counts[`${M1} sent`], 1, JSON.stringify(counts));

    // The link of a reminder already sent: nothing to cancel.
    const sentUrl = unsubscribeUrl(smtp.delivered[0]);
    assert.match(assertHtml(await oneClick(sentUrl), 200), /nothing to cancel/i);
});

t('a cancelled address leaves no bytes behind in patron.db or patron.db-wal', () => {
    const found = [];
    for (const file of [srv.db, `${srv.db}-wal`]) {
        const bytes = readBytes(file);
        for (const name of ['form', 'oneclick', 'multipart', 'mailclient']) {
            if (bytes.includes(Buffer.from(`${name}@cancel.example`))) found.push(`${file.split('/').pop()}: plaintext of ${name}@`);
            if (bytes.includes(Buffer.from(sealed[name], 'hex'))) found.push(`${file.split('/').pop()}: sealed address of ${name}@ (cancelled)`);
        }
    }
    assert.deepEqual(found, [], `cancelled addresses still on disk:\n  ${found.join('\n  ')}`);
});
