// /manage/lost and /manage/magic in the reader's language (issue 10, item 5):
// they know no pledge when they open, so they speak the language they were
// opened in ("lang" in the address or the form, carried through their
// forms); the magic email of a Russian pledge links with lang=ru. English
// stays the default, with no field added to its pages.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { http, manageLink, payAndReturn, startPatron, startSmtp, startStandin, stopClean, support, withLog } from './lib.mjs';
import { answerBytes, assertSameAnswers } from '../http/same_answer.mjs';

const RU = 'ru.donor@example.org';
const EN = 'en.donor@example.org';
const MAGIC_RU = /^Ссылка для управления поддержкой/;
const MAGIC_EN = /^Your link to manage/;

let standin;
let smtp;
let patron;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, label: 'lost-ru' });
    for (const [email, lang] of [[RU, 'ru'], [EN, 'en']]) {
        const s = await support(patron, standin, { amount: '3', lang });
        assert.equal(s.status, 303, s.body);
        await payAndReturn(patron, standin, s.sessionId, { email });
    }
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

const lostForm = (form) => http(patron.base, 'POST', '/manage/lost', { form });

/** Asks for a link for email (in lang) and returns the magic email that comes. */
async function magicEmail(email, lang, subject) {
    const had = smtp.messages.filter((m) => m.envelope.to.includes(email) && subject.test(m.subject)).length;
    const r = await lostForm({ email, lang });
    assert.equal(r.status, 200, r.body);
    const found = await smtp.waitFor((m) => m.envelope.to.includes(email) && subject.test(m.subject), { count: had + 1, timeoutMs: 20_000 });
    return found[found.length - 1];
}

test('/manage/lost speaks Russian when opened with lang=ru, and its form carries the language', withLog(() => patron, async () => {
    const page = await http(patron.base, 'GET', '/manage/lost?lang=ru');
    assert.equal(page.status, 200);
    assert.match(page.body, /<html lang="ru">/);
    assert.match(page.body, /<h1>Новая ссылка для управления поддержкой<\/h1>/);
    assert.match(page.body, /<form method="post" action="\/manage\/lost"><input type="hidden" name="lang" value="ru">/);
    assert.match(page.body, /<button type="submit">Прислать ссылку<\/button>/);
    assert.doesNotMatch(page.body, /Email me a link/);

    // A "ru-…" tag is Russian too (pt_i18n_lang's one rule); others are English.
    assert.match((await http(patron.base, 'GET', '/manage/lost?lang=ru-RU')).body, /<html lang="ru">/);
    const english = await http(patron.base, 'GET', '/manage/lost?lang=de');
    assert.match(english.body, /<html lang="en">.*<h1>Get a new link to manage your support<\/h1>/s);
    assert.match(english.body, /action="\/manage\/lost"><label for="email">Email address<\/label>/, 'English pages gain no lang field');

    const bad = await lostForm({ email: 'not an address', lang: 'ru' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /<html lang="ru">.*<h1>Проверьте адрес<\/h1><p>Он должен выглядеть как name@example.org.<\/p>/s);

    // Known or unknown, the same bytes, in Russian as in English.
    const body = (email) => new URLSearchParams({ email, lang: 'ru' }).toString();
    const post = (email) => answerBytes(patron.port, 'POST', '/manage/lost', {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body(email),
    });
    const answers = { known: await post(RU), unknown: await post('nobody.ru@example.org') };
    assertSameAnswers(answers, 'POST /manage/lost in Russian');
    assert.match(answers.known, /^HTTP\/1\.1 200 /);
    // (answerBytes keeps the raw bytes, one character each.)
    assert.match(Buffer.from(answers.known, 'latin1').toString('utf8'), /<h1>Проверьте почту<\/h1>/);
}));

test('the Russian magic link names its language; its pages answer in Russian', withLog(() => patron, async () => {
    const email = await magicEmail(RU, 'ru', MAGIC_RU);
    assert.match(email.html, /<html lang="ru">/);
    const link = /https?:\/\/[^\s"<>]+\/manage\/magic\?[^\s"<>]+/.exec(email.text)?.[0];
    assert.ok(link, email.text);
    const url = new URL(link);
    assert.equal(url.searchParams.get('lang'), 'ru');
    const token = new URL(manageLink(email)).searchParams.get('token');
    assert.equal(url.searchParams.get('token'), token);

    const opened = await http(patron.base, 'GET', url.pathname + url.search);
    assert.equal(opened.status, 200);
    assert.match(opened.body, /<html lang="ru">.*<h1>Управление поддержкой<\/h1>/s);
    assert.match(opened.body, /<input type="hidden" name="lang" value="ru"><button type="submit">Продолжить<\/button>/);

    const used = await http(patron.base, 'POST', '/manage/magic', { form: { token, lang: 'ru' } });
    assert.equal(used.status, 303, used.body);
    const manage = await http(patron.base, 'GET', used.location);
    assert.match(manage.body, /<html lang="ru">.*<h1>Ваша поддержка<\/h1>/s);

    const again = await http(patron.base, 'POST', '/manage/magic', { form: { token, lang: 'ru' } });
    assert.equal(again.status, 410);
    assert.match(again.body, /<h1>Ссылка устарела или уже использована<\/h1><p><a href="\/manage\/lost\?lang=ru">Запросите новую<\/a>\.<\/p>/);

    const cut = await http(patron.base, 'GET', '/manage/magic?token=cut&lang=ru');
    assert.equal(cut.status, 400);
    assert.match(cut.body, /<html lang="ru">.*<h1>Ссылка неполная<\/h1>/s);
}));

test('an English magic link and its pages are as they were', withLog(() => patron, async () => {
    const email = await magicEmail(EN, 'en', MAGIC_EN);
    const link = /https?:\/\/[^\s"<>]+\/manage\/magic\?[^\s"<>]+/.exec(email.text)?.[0];
    assert.doesNotMatch(link, /lang=/);
    const token = new URL(link).searchParams.get('token');
    const opened = await http(patron.base, 'GET', `/manage/magic?token=${token}`);
    assert.match(opened.body, /<html lang="en">.*<h1>Manage your support<\/h1><form method="post" action="\/manage\/magic"><input type="hidden" name="token" value="[^"]+"><button type="submit">Continue<\/button><\/form>/s);
    assert.equal((await http(patron.base, 'POST', '/manage/magic', { form: { token } })).status, 303);
    const again = await http(patron.base, 'POST', '/manage/magic', { form: { token } });
    assert.match(again.body, /<h1>This link has expired or was used<\/h1><p><a href="\/manage\/lost">Ask for a new one<\/a>\.<\/p>/);
}));
