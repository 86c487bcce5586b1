// `patron reminders send` sends exactly the reminders due, each as a proper
// multipart email in the sign-up's language, and a second run sends nothing.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import {
    startSmtp, startPatron, stopAndAssertClean, signUpOk, reminderRows, reminderCounts,
    runSendExpect, sendSummary, monthFromNow, sendTime, inMonth, unsubscribeUrl, request,
    suite, NEWSROOM, MAIL_FROM,
} from './lib.mjs';

let smtp;
let srv;
const t = suite(() => srv);

const M1 = monthFromNow(1);
const M2 = monthFromNow(2);
const M5 = monthFromNow(5);

// Who signs up for what. The envelope address is the normalised (lower-case) one.
const READERS = {
    en: { email: 'Reader.One@Example.org', to: 'reader.one@example.org', month: M1, language: 'en', campaign: 'demo-2026', variant: 'a' },
    ru: { email: 'chitatel@example.ru', to: 'chitatel@example.ru', month: M1, language: 'ru', campaign: 'demo-2026', variant: 'b' },
    plain: { email: 'plain@example.net', to: 'plain@example.net', month: M1 },
    later: { email: 'later@example.org', to: 'later@example.org', month: M2, language: 'en' },
    muchLater: { email: 'much.later@example.org', to: 'much.later@example.org', month: M5, language: 'ru' },
};
const tokens = {};

before(async () => {
    smtp = await startSmtp();
    srv = await startPatron({ smtpPort: smtp.port, label: 'reminders-send' });
    for (const [key, reader] of Object.entries(READERS)) {
        const { to, ...fields } = reader;
        const answer = await signUpOk(srv, fields);
        if (key === 'ru') assert.equal(answer.in_month, inMonth(M1, 'ru'), `in_month for ru: ${JSON.stringify(answer)}`);
        tokens[key] = reminderRows(srv).at(-1).token;
    }
    assert.equal(new Set(Object.values(tokens)).size, 5, 'each sign-up has its own cancel token');
});

after(async () => {
    if (srv) await stopAndAssertClean(srv);
    if (smtp) await smtp.close();
});

function assertAsciiHeaders(message) {
    const head = message.raw.slice(0, message.raw.search(/\r?\n\r?\n/));
    assert.match(head, /^[\x09\x0a\x0d\x20-\x7e]*$/, `a header carries raw non-ASCII bytes:\n${head}`);
}

function assertCommon(message, reader) {
    assertAsciiHeaders(message);
    assert.deepEqual(message.envelope.to, [reader.to], 'RCPT TO');
    assert.equal(message.envelope.from, MAIL_FROM, 'MAIL FROM');
    assert.equal(message.headers.to, `<${reader.to}>`, 'To header');
    assert.ok(message.headers.from.includes(MAIL_FROM), `From: ${message.headers.from}`);
    assert.ok(message.headers['message-id'], 'Message-ID');
    assert.ok(message.headers.date, 'Date');
    assert.match(message.headers['content-type'], /^multipart\/alternative;\s*boundary=/i);
    assert.equal(message.parts.length, 2, 'a text and an HTML part');
    for (const part of message.parts) {
        assert.match(part.headers['content-transfer-encoding'] ?? '', /^base64$/i, 'parts are base64');
        assert.match(part.type, /charset=utf-8/i, `part charset: ${part.type}`);
    }
    assert.match(message.parts[0].type, /^text\/plain/i);
    assert.match(message.parts[1].type, /^text\/html/i);
    // The cancel link: List-Unsubscribe and the one-click header.
    // The link carries the reader's language, so the cancel page speaks it.
    const url = `${srv.base}/reminders/cancel?token=${tokens[reader.key]}&lang=${reader.language ?? "en"}`;
    assert.equal(unsubscribeUrl(message), url, 'List-Unsubscribe carries this reminder\'s cancel URL');
    assert.equal(message.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    assert.ok(message.text.includes(url), `the text part has the cancel link:\n${message.text}`);
    assert.ok(message.html.includes(`href="${url.replaceAll('&', '&amp;')}"`), 'the HTML part has the cancel link');
}

t('a send delivers exactly the reminders due this month, each in its language', async () => {
    const r = await runSendExpect(srv, sendTime(M1), 0);
    assert.deepEqual(sendSummary(r.stderr), { due: 3, sent: 3, failed: 0, deferred: 0 }, r.stderr);

    const recipients = smtp.delivered.map((m) => m.envelope.to.join(',')).sort();
    assert.deepEqual(recipients, [READERS.en.to, READERS.plain.to, READERS.ru.to].sort(),
        'only next month\'s reminders are sent, one each');

    // English, with the campaign on the support link.
    const en = smtp.to(READERS.en.to)[0];
    assertCommon(en, { ...READERS.en, key: 'en' });
    assert.equal(en.subject, `Your reminder from ${NEWSROOM}`);
    const support = `${srv.base}/support?lang=en&campaign=demo-2026&variant=a`;
    assert.ok(en.text.includes(`Support us: ${support}`), `English text without the support link:\n${en.text}`);
    assert.ok(en.text.includes(`remind you ${inMonth(M1, 'en')} about supporting ${NEWSROOM}`), en.text);
    assert.ok(en.html.includes(`href="${support.replace(/&/g, '&amp;')}"`), `HTML support link:\n${en.html}`);
    assert.match(en.html, /<html lang="en">/);
    assert.doesNotMatch(en.text, /[а-яё]/i, 'no Russian in the English email');

    // Russian: the subject is an RFC 2047 encoded word, the body Russian.
    const ru = smtp.to(READERS.ru.to)[0];
    assertCommon(ru, { ...READERS.ru, key: 'ru' });
    assert.match(ru.rawHeaders.subject[0], /=\?UTF-8\?B\?/i, 'the Russian subject is encoded');
    assert.equal(ru.subject, `Напоминание от редакции ${NEWSROOM}`);
    const supportRu = `${srv.base}/support?lang=ru&campaign=demo-2026&variant=b`;
    assert.ok(ru.text.includes(`Поддержать: ${supportRu}`), `Russian text without the support link:\n${ru.text}`);
    assert.ok(ru.text.includes(`напомнить вам ${inMonth(M1, 'ru')}`), ru.text);
    assert.match(ru.html, /<html lang="ru">/);
    assert.doesNotMatch(ru.text, /Support us|Hello/, 'no English in the Russian email');

    // No campaign: the support link has none, the language defaults to English.
    const plain = smtp.to(READERS.plain.to)[0];
    assertCommon(plain, { ...READERS.plain, key: 'plain' });
    assert.equal(plain.subject, `Your reminder from ${NEWSROOM}`);
    assert.ok(plain.text.includes(`Support us: ${srv.base}/support?lang=en\n`), plain.text);

    // The support link in the email works.
    const page = await request(srv, 'GET', new URL(support).pathname + new URL(support).search);
    assert.equal(page.status, 200, `GET the email's support link: ${page.status}`);

    // What remains: the later months only, and counts.
    assert.deepEqual(reminderRows(srv).map((row) => row.month).sort(), [M2, M5]);
    const counts = reminderCounts(srv);
    assert.equal(counts[`${M1} sent`], 3, JSON.stringify(counts));
    assert.equal(counts[`${M1} signed_up`], 3, JSON.stringify(counts));
});

t('a second run in the same month sends nothing', async () => {
    const before = smtp.delivered.length;
    const rcpts = smtp.rcptCount;
    const r = await runSendExpect(srv, sendTime(M1), 0);
    assert.deepEqual(sendSummary(r.stderr), { due: 0, sent: 0, failed: 0, deferred: 0 }, r.stderr);
    assert.equal(smtp.delivered.length, before, 'no email on the second run');
    assert.equal(smtp.rcptCount, rcpts, 'the second run did not even try a recipient');
    assert.equal(reminderCounts(srv)[`${M1} sent`], 3);
});

t('the next month\'s run sends that month\'s reminder only, once', async () => {
    const before = smtp.delivered.length;
    await runSendExpect(srv, sendTime(M2), 0);
    await runSendExpect(srv, `${M2}-28T23:59:59Z`, 0);
    const fresh = smtp.delivered.slice(before);
    assert.deepEqual(fresh.map((m) => m.envelope.to[0]), [READERS.later.to]);
    assert.ok(fresh[0].text.includes(inMonth(M2, 'en')), fresh[0].text);
    assert.deepEqual(reminderRows(srv).map((row) => row.month), [M5]);
});
