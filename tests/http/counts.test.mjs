// Copy that counts (docs/API.md): {articles}, {weeks} and {min_amount} in an
// appeal's headline and body. The reader's own count is filled into the
// pre-rendered answer per request; its plural form is cross-checked for
// every count from 0 to 300 against Node's Intl.PluralRules (CLDR), in
// English and Russian. Validation refuses {articles} where nothing is
// counted, and the newsletter refuses a variant that counts.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopAndAssertClean, suite, request, postJson, assertJson, ADMIN_TOKEN, nowSeconds,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'counts', seedDemo: false }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

const AUTH = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const NBSP = '\u00a0';
const week = () => Math.floor(nowSeconds() / 604800);

function admin(method, path, value) {
    const body = JSON.stringify(value);
    return request(srv, method, path, {
        headers: { ...AUTH, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        body,
    });
}

const counting = {
    id: 'counts', status: 'live', priority: 10, languages: ['en', 'ru'], currency: 'EUR',
    articles_read: { weeks: 4 },
    variants: [{
        id: 'a', frequencies: ['monthly'],
        text: {
            en: { headline: 'You have read {articles} in {weeks}', body: 'Support us from **{min_amount}** a month.' },
            ru: { headline: 'Вы прочитали {articles} за {weeks}', body: 'Поддержите нас от **{min_amount}** в месяц.' },
        },
    }],
};

const headline = (html) => html.match(/<h2[^>]*>([^<]*)<\/h2>/)[1];

async function appeal(language, weeks) {
    const r = await postJson(srv, '/v1/appeal', {
        article: { id: 'story', language },
        reader: { bucket: 7, weeks },
    });
    return assertJson(r, 200);
}

t('validation refuses {articles} and {weeks} where the campaign counts nothing', async () => {
    const { articles_read, ...uncounted } = counting;
    assert.ok(articles_read);
    const r = await admin('POST', '/v1/admin/campaigns', { ...uncounted, id: 'uncounted' });
    assert.equal(r.status, 422, r.body.toString());
    const message = JSON.parse(r.body).error.message;
    assert.match(message, /text\.en\.headline/);
    assert.match(message, /articles_read/);
    const german = { ...counting, id: 'german', languages: ['de'],
        variants: [{ id: 'a', text: { de: { headline: 'Sie haben {articles} gelesen' } } }] };
    const refused = await admin('POST', '/v1/admin/campaigns', german);
    assert.equal(refused.status, 422);
    assert.match(JSON.parse(refused.body).error.message, /English and Russian only/);
    assert.equal((await admin('POST', '/v1/admin/campaigns', counting)).status, 201);
});

t('each reader gets their own count, in the plural form CLDR gives, 0 to 300', async () => {
    const nouns = {
        en: { one: 'article', other: 'articles' },
        ru: { one: 'статью', few: 'статьи', many: 'статей' },
    };
    for (const language of ['en', 'ru']) {
        const rules = new Intl.PluralRules(language);
        for (let n = 0; n <= 300; n++) {
            // This week and last: both inside the four weeks counted.
            const weeks = n === 0 ? [] : [{ week: week(), count: Math.ceil(n / 2) }, { week: week() - 1, count: Math.floor(n / 2) }].filter((w) => w.count > 0);
            const answer = await appeal(language, weeks);
            assert.equal(answer.appeal.campaign, 'counts');
            const noun = nouns[language][rules.select(n)];
            assert.ok(noun, `${language} ${n}: ${rules.select(n)}`);
            const expected = language === 'en'
                ? `You have read ${n}${NBSP}${noun} in 4${NBSP}weeks`
                : `Вы прочитали ${n}${NBSP}${noun} за 4${NBSP}недели`;
            assert.equal(headline(answer.appeal.html), expected, `${language} ${n}`);
        }
    }
});

t('weeks outside the window do not count; thousands are grouped; {min_amount} is the monthly minimum', async () => {
    const answer = await appeal('en', [
        { week: week(), count: 1000 }, { week: week() - 3, count: 234 }, { week: week() - 4, count: 99 },
    ]);
    assert.equal(headline(answer.appeal.html), `You have read 1,234${NBSP}articles in 4${NBSP}weeks`);
    assert.match(answer.appeal.html, /Support us from <strong>€2<\/strong> a month\./);
    assert.ok(!answer.appeal.html.includes('{'), 'no placeholder is left');
    const ru = await appeal('ru', [{ week: week(), count: 1000 }, { week: week() - 1, count: 1 }]);
    assert.equal(headline(ru.appeal.html), `Вы прочитали 1${NBSP}001${NBSP}статью за 4${NBSP}недели`);
});

t('the frame without script counts nothing read: 0 articles', async () => {
    const r = await request(srv, 'GET', '/embed/appeal?article=story&lang=ru');
    assert.equal(r.status, 200);
    const html = r.body.toString();
    assert.equal(headline(html), `Вы прочитали 0${NBSP}статей за 4${NBSP}недели`);
    assert.ok(!html.includes('{articles}'));
});

t('the newsletter refuses a variant that counts articles, naming it', async () => {
    const r = await request(srv, 'GET', '/embed/email?campaign=counts&lang=en');
    assert.equal(r.status, 404);
    assert.match(r.body.toString(), /variant &quot;a&quot;, counts the articles|variant "a", counts the articles/);
});
