// Issue 9 over HTTP: every refusal of the support form in both languages,
// nothing charged that was not stated, and no-script answers that match the
// button pressed. The server here has no email configured.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    withStatement, startServer, stopAndAssertClean, suite, request, postForm, postJson,
    assertHtml, assertJson, appealBody, sqlite,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
// news.example.org is the newsroom's site: the support page may link back to it.
before(async () => { srv = await startServer({ label: 'money', config: { article_origins: 'https://news.example.org' } }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

const pledgeCount = () => Number(sqlite(srv, 'SELECT COUNT(*) FROM pledges')[0][0]);
const base = (fields) => ({ campaign: 'demo-2026', variant: 'a', currency: 'USD', frequency: 'monthly', ...fields });
const text = (html) => html.replace(/<[^>]*>/g, ' ');
const errorOf = (html) => {
    const m = /<p id="(?:amount|currency)-error" class="patron-error">([^<]*)<\/p>|<fieldset class="patron-invalid">.*?<p class="patron-error">([^<]*)<\/p>/s.exec(html);
    return m ? (m[1] ?? m[2]) : null;
};

// Every way the form can be refused; each must speak the page's language.
const REFUSALS = [
    ['below the monthly minimum', { amount_monthly: 'other', other_amount: '1' }],
    ['above the maximum', { amount_monthly: 'other', other_amount: '2001' }],
    ['not a number', { amount_monthly: 'other', other_amount: 'five' }],
    ['ambiguous grouping', { amount_monthly: 'other', other_amount: '1,000,5' }],
    ['three decimals', { amount_monthly: 'other', other_amount: '3.505' }],
    ['a fraction of a cent', { amount_monthly: 'other', other_amount: '2.555' }],
    ['a fraction of a yen', { currency: 'JPY', amount_monthly: 'other', other_amount: '500,5' }],
    ['too large', { amount_monthly: 'other', other_amount: '9'.repeat(20) }],
    ['empty', { amount_monthly: 'other', other_amount: '' }],
    ['a preset and a typed amount', { amount_monthly: '5', other_amount: '25' }],
    ['an unknown currency', { currency: 'XYZ', amount_monthly: '5' }],
    ['an unknown frequency', { frequency: 'weekly', amount: '5' }],
];

for (const [what, fields] of REFUSALS) {
    t(`refused in both languages: ${what}`, async () => {
        for (const lang of ['en', 'ru']) {
            const before = pledgeCount();
            const r = await postForm(srv, '/support', await withStatement(srv, base({ lang, ...fields })));
            const html = assertHtml(r, 422);
            const message = errorOf(html);
            assert.ok(message, `${what} (${lang}): a message beside the field:\n${html.slice(0, 2000)}`);
            if (lang === 'ru') {
                assert.match(message, /[а-яё]/i, `${what}: Russian: ${message}`);
                assert.doesNotMatch(message.replace(/USD|JPY|EUR/g, ''), /[a-z]{2,}/i, `${what}: no English: ${message}`);
                assert.doesNotMatch(text(html), /Please check|Enter the|minimum is|We cannot/, `${what}: the page is Russian`);
            } else {
                assert.doesNotMatch(message, /[а-яё]/i, `${what}: English: ${message}`);
            }
            assert.equal(pledgeCount(), before, `${what} (${lang}): nothing stored`);
        }
    });
}

t('the statement quoted is the amount pledged: 3,50 is 350 cents, never 35000', async () => {
    for (const [lang, typed, statement] of [
        ['en', '3,50', 'You will give $3.50 every month'],
        ['ru', '3,50', 'Вы будете перечислять 3,50\u00a0$ каждый месяц'],
        ['ru', '1 000,50', 'Вы будете перечислять 1\u00a0000,50\u00a0$ каждый месяц'],
        ['en', '1,000.50', 'You will give $1,000.50 every month'],
    ]) {
        const fields = base({ lang, amount_monthly: 'other', other_amount: typed });
        const q = await request(srv, 'GET', '/support/quote?' + new URLSearchParams(fields));
        const answer = assertJson(q, 200);
        assert.equal(answer.statement, statement);
        const before = sqlite(srv, 'SELECT id FROM pledges').map((row) => row[0]);
        assertHtml(await postForm(srv, '/support', { ...fields, confirm: answer.confirm }), 201);
        const made = sqlite(srv, 'SELECT id, amount_minor FROM pledges').filter((row) => !before.includes(row[0]));
        assert.deepEqual(made.map((row) => Number(row[1])), [answer.amount_minor]);
    }
});

t('a typed amount without its statement gets a page that states it; nothing is stored until confirmed', async () => {
    const before = pledgeCount();
    const fields = base({ lang: 'en', amount_monthly: 'other', other_amount: '3,50' });
    const check = assertHtml(await postForm(srv, '/support', fields), 200);
    assert.match(check, /You will give \$3\.50 every month/);
    assert.equal(pledgeCount(), before, 'nothing stored yet');
    // A token for another amount does not count.
    const wrong = assertHtml(await postForm(srv, '/support', { ...fields, confirm: '35000:USD:monthly' }), 200);
    assert.match(wrong, /You will give \$3\.50 every month/);
    assert.equal(pledgeCount(), before);
    const token = /name="confirm" value="([^"]+)"/.exec(check)[1];
    assert.equal(token, '350:USD:monthly');
    assertHtml(await postForm(srv, '/support', { ...fields, confirm: token }), 201);
    assert.equal(pledgeCount(), before + 1);
});

t('a preset of the appeal is its own statement: straight on, no extra step', async () => {
    const before = pledgeCount();
    assertHtml(await postForm(srv, '/support', base({ lang: 'en', frequency: 'annual', amount_annual: '60' })), 201);
    assert.equal(pledgeCount(), before + 1);
    // An amount that is no preset of that frequency is not: it is stated first.
    assert.match(assertHtml(await postForm(srv, '/support', base({ lang: 'en', frequency: 'annual', amount_annual: '2' })), 200),
        /You will give \$2 every year/);
    assertHtml(await postForm(srv, '/support', base({ lang: 'en', frequency: 'annual', amount_annual: '7' })), 200);
    assert.equal(pledgeCount(), before + 1);
});

t('a preset from another currency is not pledged in this one', async () => {
    const before = pledgeCount();
    const html = assertHtml(await postForm(srv, '/support', { lang: 'en', currency: 'JPY', shown_currency: 'USD', frequency: 'monthly', amount_monthly: '5' }), 200);
    assert.match(html, /now shown in the currency you chose/);
    assert.match(html, /name="amount_monthly" value="500" checked/, 'the yen default is chosen');
    assert.equal(pledgeCount(), before);
});

t('without script, each dismiss button gets its own answer; no reminder is offered without email', async () => {
    for (const [reason, lang, expected] of [
        ['supporting', 'en', /Thank you for supporting us!/],
        ['close', 'en', /Closed\. We will not ask again for a while\./],
        ['later', 'en', /We will ask again another time/],
        ['supporting', 'ru', /Спасибо, что поддерживаете нас!/],
        ['close', 'ru', /не будем спрашивать/],
    ]) {
        const html = assertHtml(await postForm(srv, '/embed/dismiss', { reason, lang, campaign: 'demo-2026', variant: 'a' }), 200);
        assert.match(html, expected, `${reason} (${lang})`);
        assert.doesNotMatch(html, /patron-remind|type="email"/, `${reason}: no email form on a server without email`);
    }
    const a = assertJson(await postJson(srv, '/v1/appeal', JSON.stringify(appealBody())), 200);
    assert.equal(a.appeal.remind, false, 'the widget is told not to offer a reminder');
});

t('the support page greets with the newsroom, the appeal and an honest line', async () => {
    const html = assertHtml(await request(srv, 'GET', '/support?campaign=demo-2026&variant=a&lang=ru&return=' +
        encodeURIComponent('https://news.example.org/a')), 200);
    assert.match(html, /<h1>Обращение редакции<\/h1>/);
    assert.match(html, /class="patron-newsroom"/);
    assert.match(html, /<a class="patron-back" href="https:\/\/news\.example\.org\/a">/);
    assert.match(html, /Изменить или отменить можно в любой момент/);
    assert.match(html, /<script src="\/support\.js"><\/script>/);
});
