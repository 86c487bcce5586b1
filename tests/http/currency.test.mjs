// Local currency (issue 15, item 3) over HTTP: amounts written as readers of
// the language and currency expect (checked against the browser's own
// Intl.NumberFormat, i.e. CLDR, for every currency patron takes in English
// and Russian), the appeal's currency chosen by the proxy's country header,
// the support page in the same currency with the variant's amounts for it,
// and the minimum checked per currency and frequency.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    ADMIN_TOKEN, startServer, stopAndAssertClean, suite, request, postJson, postForm, assertJson,
    assertHtml, appealBody, sleep, sqlite,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'currency', config: { country_header: 'X-Country' } }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

const CURRENCIES = { USD: 2, EUR: 2, GBP: 2, CHF: 2, JPY: 0 };
const FREQUENCIES = ['monthly', 'one_off', 'annual'];

/** What the browser writes for minor units of a currency: whole amounts without decimals. */
function intl(minor, currency, lang) {
    const value = minor / 10 ** CURRENCIES[currency];
    const whole = Number.isInteger(value);
    return new Intl.NumberFormat(lang, { style: 'currency', currency, ...(whole ? { minimumFractionDigits: 0 } : {}) }).format(value);
}

/** The preset buttons of one frequency: [{value, label}]. */
function presets(html, frequency) {
    const out = [];
    const re = new RegExp(`<label><input type="radio" name="amount_${frequency}" value="([0-9.]+)"[^>]*> ([^<]*)</label>`, 'g');
    for (const m of html.matchAll(re)) out.push({ value: m[1], label: m[2] });
    return out;
}

const minorOf = (value, currency) => Math.round(Number(value) * 10 ** CURRENCIES[currency]);

t('the support page writes every currency as Intl.NumberFormat does, in English and Russian', async () => {
    let checked = 0;
    for (const currency of Object.keys(CURRENCIES)) {
        for (const lang of ['en', 'ru']) {
            const r = await request(srv, 'GET', `/support?lang=${lang}&currency=${currency}&frequency=monthly`);
            const html = assertHtml(r, 200);
            for (const frequency of FREQUENCIES) {
                const shown = presets(html, frequency);
                assert.ok(shown.length >= 3, `${currency} ${lang} ${frequency}: ${shown.length} presets`);
                for (const { value, label } of shown) {
                    assert.equal(label, intl(minorOf(value, currency), currency, lang), `${currency} ${lang} ${frequency} ${value}`);
                    checked++;
                }
            }
            // A fraction and thousands, in the statement the server quotes.
            const minor = currency === 'JPY' ? 1500 : 123450;
            const typed = currency === 'JPY' ? '1500' : lang === 'ru' ? '1 234,50' : '1,234.50';
            const q = await request(srv, 'GET', '/support/quote?' + new URLSearchParams({
                lang, currency, frequency: 'one_off', amount_one_off: 'other', other_amount: typed,
            }));
            const answer = assertJson(q, 200);
            assert.equal(answer.amount_minor, minor, `${currency} ${lang}: ${JSON.stringify(answer)}`);
            assert.ok(answer.statement.includes(intl(minor, currency, lang)), `${currency} ${lang}: "${answer.statement}" lacks "${intl(minor, currency, lang)}"`);
            checked++;
        }
    }
    assert.ok(checked >= 5 * 2 * 10, `${checked} amounts checked`);
});

t('a typed amount in the form the page writes is read back as the same amount', async () => {
    for (const currency of Object.keys(CURRENCIES)) {
        for (const lang of ['en', 'ru']) {
            const minor = currency === 'JPY' ? 1500 : 123450;
            const q = await request(srv, 'GET', '/support/quote?' + new URLSearchParams({
                lang, currency, frequency: 'one_off', amount_one_off: 'other', other_amount: intl(minor, currency, lang),
            }));
            assert.equal(assertJson(q, 200).amount_minor, minor, `${currency} ${lang}: ${intl(minor, currency, lang)}`);
        }
    }
});

t('the minimum is checked, and written, per currency and frequency', async () => {
    const before = Number(sqlite(srv, 'SELECT COUNT(*) FROM pledges')[0][0]);
    for (const [currency, frequency, typed, minimum] of [
        ['GBP', 'monthly', '1.50', 200], ['GBP', 'one_off', '0.50', 100], ['EUR', 'annual', '1', 200],
        ['JPY', 'one_off', '40', 50], ['CHF', 'monthly', '1', 200],
    ]) {
        for (const lang of ['en', 'ru']) {
            const r = await postForm(srv, '/support', {
                lang, currency, frequency, [`amount_${frequency}`]: 'other', other_amount: lang === 'ru' ? typed.replace('.', ',') : typed,
            });
            const html = assertHtml(r, 422);
            const error = /<p id="amount-error" class="patron-error">([^<]*)<\/p>/.exec(html)?.[1] ?? '';
            assert.ok(error.includes(intl(minimum, currency, lang)), `${currency} ${frequency} ${lang}: "${error}"`);
        }
    }
    assert.equal(Number(sqlite(srv, 'SELECT COUNT(*) FROM pledges')[0][0]), before, 'nothing stored');
});

const CAMPAIGN = {
    id: 'local', name: 'Local', status: 'live', priority: 1000, languages: ['en', 'ru'],
    currency: 'USD', currencies: { GB: 'GBP', EU: 'EUR', 'US-CA': 'CHF', '*': 'USD' }, frequency_cap: { views: 0 },
    variants: [{
        id: 'a', presets: [500, 1000], default_amount: 1000,
        currency_amounts: { GBP: { presets: [300, 700, 1500], default_amount: 700 } },
        text: { en: { headline: 'Keep us going' }, ru: { headline: 'Поддержите нас' } },
    }],
};

async function appeal(country, language = 'en') {
    const headers = country === null ? {} : { 'X-Country': country };
    const r = await postJson(srv, '/v1/appeal', appealBody({ article: { language } }), { headers });
    const answer = assertJson(r, 200);
    return answer.appeal;
}

t('the appeal is in the currency of the reader\'s country, with that currency\'s amounts', async () => {
    const put = await request(srv, 'PUT', '/v1/admin/campaigns/local', {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(CAMPAIGN),
    });
    assert.equal(put.status, 200, put.body);
    for (let i = 0; i < 100 && (await appeal('GB'))?.campaign !== 'local'; i++) await sleep(50);

    for (const [country, currency, lang, labels] of [
        ['GB', 'GBP', 'en', ['£3', '£7', '£15']],
        ['gb', 'GBP', 'en', ['£3', '£7', '£15']],
        ['GB-SCT', 'GBP', 'en', ['£3', '£7', '£15']],
        ['GB', 'GBP', 'ru', ['3\u00a0£', '7\u00a0£', '15\u00a0£']],
        ['FR', 'EUR', 'en', ['€2', '€5', '€10']],   // patron's standard euros, not the dollars' 5 and 10
        ['DE', 'EUR', 'ru', ['2\u00a0€', '5\u00a0€', '10\u00a0€']],
        ['US-CA', 'CHF', 'en', ['CHF\u00a02', 'CHF\u00a05', 'CHF\u00a010']],
        ['US', 'USD', 'en', ['$5', '$10']],
        ['JP', 'USD', 'en', ['$5', '$10']],
        ['NO', 'USD', 'en', ['$5', '$10']],
        ['', 'USD', 'en', ['$5', '$10']],
        [null, 'USD', 'ru', ['5\u00a0$', '10\u00a0$']],
    ]) {
        const shown = await appeal(country, lang);
        const what = `${JSON.stringify(country)} ${lang}`;
        assert.equal(shown?.campaign, 'local', what);
        assert.match(shown.html, new RegExp(`<input type="hidden" name="currency" value="${currency}">`), what);
        assert.deepEqual(presets(shown.html, 'monthly').map((p) => p.label), labels, what);
        for (const other of Object.keys(CURRENCIES).filter((c) => c !== currency))
            assert.ok(!shown.html.includes(`value="${other}"`), `${what}: no ${other} in the form`);
    }
    // The no-script frame is the same choice.
    const embed = await request(srv, 'GET', '/embed/appeal?article=demo-article&lang=en', { headers: { 'X-Country': 'GB' } });
    assert.equal(embed.status, 200);
    assert.match(embed.body, /name="currency" value="GBP"/);
    assert.match(embed.body, /£7/);
});

t('the support page a GB reader reaches from the campaign shows pounds and the variant\'s pound amounts', async () => {
    // From a link without the appeal's form: the currency the campaign shows the country.
    const gb = assertHtml(await request(srv, 'GET', '/support?campaign=local&variant=a&lang=en&frequency=monthly', { headers: { 'X-Country': 'GB' } }), 200);
    assert.match(gb, /<option selected>GBP<\/option>/);
    assert.deepEqual(presets(gb, 'monthly').map((p) => p.label), ['£3', '£7', '£15']);
    // From the appeal's form, currency named.
    const named = assertHtml(await request(srv, 'GET', '/support?campaign=local&variant=a&lang=ru&currency=GBP&frequency=monthly'), 200);
    assert.deepEqual(presets(named, 'monthly').map((p) => p.label), ['3\u00a0£', '7\u00a0£', '15\u00a0£']);
    // A currency the campaign does not show: patron's standard amounts, never another currency's.
    const yen = assertHtml(await request(srv, 'GET', '/support?campaign=local&variant=a&lang=en&currency=JPY&frequency=monthly'), 200);
    assert.deepEqual(presets(yen, 'monthly').map((p) => p.label), ['¥200', '¥500', '¥1,000']);
    const euros = assertHtml(await request(srv, 'GET', '/support?campaign=local&variant=a&lang=en&currency=EUR&frequency=monthly'), 200);
    assert.deepEqual(presets(euros, 'monthly').map((p) => p.label), ['€2', '€5', '€10']);
    // A French reader from the same link: euros.
    const fr = assertHtml(await request(srv, 'GET', '/support?campaign=local&variant=a&lang=en', { headers: { 'X-Country': 'FR' } }), 200);
    assert.match(fr, /<option selected>EUR<\/option>/);
});

t('bad currencies in a campaign are refused with the field', async () => {
    for (const [currencies, words] of [
        [{ GB: 'XYZ' }, /campaign\.currencies\.GB must be a currency patron takes/],
        [{ England: 'GBP' }, /campaign\.currencies\.England is not a country code/],
        [{ '*': 'EUR' }, /campaign\.currencies\.\* is not campaign\.currency/],
        [{ GB: 'GBP', EU: 'EUR', CH: 'CHF', JP: 'JPY' }, /campaign\.currencies\.JP is a fifth currency/],
    ]) {
        const r = await request(srv, 'PUT', '/v1/admin/campaigns/bad', {
            headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ ...CAMPAIGN, id: 'bad', currencies, variants: [{ id: 'a', text: CAMPAIGN.variants[0].text }] }),
        });
        assert.equal(r.status, 422, `${JSON.stringify(currencies)}: ${r.status} ${r.body}`);
        assert.match(r.body, words);
    }
});
