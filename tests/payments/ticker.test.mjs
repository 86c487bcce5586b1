// The goal ticker (issue 15, item 1): a payment applied through the stand-in
// Stripe's webhook moves the figure in /v1/appeal within a few seconds (the
// ticker reads the ledger at once when this node applied a payment, and
// rebuilds the catalogue), refunds take it back, and the threshold hides the
// ticker until it is reached. Numbers as the reader's language writes them.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, eventually, http, payAndReturn, startPatron, startStandin, stopClean, support, withLog } from './lib.mjs';

let standin;
let patron;

const campaign = (goal) => ({
    id: 'ticker', name: 'Ticker', status: 'live', priority: 100, languages: ['en', 'ru'],
    currency: 'USD', frequency_cap: { views: 0 }, goal,
    variants: [{ id: 'a', text: { en: { headline: 'Help us' }, ru: { headline: 'Помогите' } } }],
});

async function put(document) {
    const r = await http(patron.base, 'PUT', `/v1/admin/campaigns/${document.id}`, {
        body: JSON.stringify(document),
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    });
    return r;
}

async function appeal(language = 'en') {
    const r = await fetch(`${patron.base}/v1/appeal`, {
        method: 'POST', headers: { 'Content-Type': 'text/plain' },
        body: JSON.stringify({ article: { id: 'a1', language }, reader: { bucket: 7 } }),
    });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.appeal?.campaign, 'ticker', JSON.stringify(body).slice(0, 300));
    return body.appeal.html;
}

/** The ticker's sentence and bar, or null when there is none. */
function ticker(html) {
    const m = html.match(/<div class="patron-ticker"><label class="patron-ticker-text" for="([^"]+)">([^<]*)<\/label><progress id="([^"]+)" max="(\d+)" value="(\d+)"><\/progress><\/div>/);
    if (!m) {
        assert.doesNotMatch(html, /patron-ticker|<progress/, 'a ticker of another shape');
        return null;
    }
    assert.equal(m[1], m[3], 'the label names the bar');
    return { text: m[2], max: Number(m[4]), value: Number(m[5]) };
}

async function pay(amount, frequency = 'one_off') {
    const s = await support(patron, standin, { amount, frequency, campaign: 'ticker', variant: 'a' });
    assert.equal(s.status, 303, s.body);
    await payAndReturn(patron, standin, s.sessionId);
    return s;
}

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    patron = await startPatron({ stripe: standin, label: 'ticker' });
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
});

test('bad goals are refused with the field and the reason', withLog(() => patron, async () => {
    for (const [goal, words] of [
        [{ kind: 'people', target: 10 }, /goal\.kind must be supporters or amount/],
        [{ kind: 'amount' }, /goal.*target/],
        [{ kind: 'amount', target: 0 }, /goal.*target/],
        [{ kind: 'supporters', target: 10, threshold: 11 }, /goal\.threshold is above goal\.target/],
        [{ kind: 'supporters', target: 10, period: 'week' }, /goal\.period must be campaign or month/],
        [{ kind: 'supporters', target: 10, text: { de: '{count}' } }, /goal\.text\.de is not among the campaign's languages/],
        [{ kind: 'supporters', target: 10, text: { en: '{count} of {total}' } }, /goal\.text\.en may use only \{count\} and \{goal\}/],
        [{ kind: 'supporters', target: 10, colour: 'red' }, /colour/],
    ]) {
        const r = await put(campaign(goal));
        assert.equal(r.status, 422, `${JSON.stringify(goal)}: ${r.status} ${r.body}`);
        assert.match(r.body, words, JSON.stringify(goal));
    }
}));

test('a payment through the webhook moves the ticker in /v1/appeal within seconds; a refund takes it back', withLog(() => patron, async () => {
    let r = await put(campaign({ kind: 'amount', target: 1234500, period: 'month', threshold: 500,
        text: { en: '{count} of {goal} raised this month' } }));
    assert.ok(r.status === 200 || r.status === 201, `${r.status} ${r.body}`);
    assert.equal(ticker(await appeal()), null, 'hidden below the threshold ($5): nothing raised yet');

    const firstGift = await pay('7');
    const moved = await eventually(async () => ticker(await appeal()), { timeoutMs: 5000, message: 'the ticker to show $7' });
    assert.deepEqual(moved, { text: '$7 of $12,345 raised this month', max: 1234500, value: 700 });
    const ru = ticker(await appeal('ru'));
    assert.deepEqual(ru, { text: 'Собрано 7\u00a0$ из 12\u00a0345\u00a0$ в этом месяце', max: 1234500, value: 700 }, 'the default Russian sentence, grouped with a no-break space');

    const started = Date.now();
    await pay('1500.50');
    const more = await eventually(async () => {
        const t = ticker(await appeal());
        return t && t.value !== 700 ? t : null;
    }, { timeoutMs: 5000, message: 'the second payment' });
    assert.deepEqual(more, { text: '$1,507.50 of $12,345 raised this month', max: 1234500, value: 150750 });
    assert.ok(Date.now() - started < 5000);

    // A partial refund of the first gift, through its own webhook: the
    // reports' rule, so the ticker falls by what came back.
    const first = standin.session(firstGift.sessionId);
    const charge = standin.state.paymentIntents.get(first.payment_intent).latest_charge;
    await standin.refundCharge(charge, { amount: 200 }).delivered;
    const back = await eventually(async () => {
        const t = ticker(await appeal());
        return t && t.value !== 150750 ? t : null;
    }, { timeoutMs: 5000, message: 'the refund taken off' });
    assert.deepEqual(back, { text: '$1,505.50 of $12,345 raised this month', max: 1234500, value: 150550 });
}));

test('a supporters goal counts new supporters, and the threshold keeps it hidden until reached', withLog(() => patron, async () => {
    let r = await put(campaign({ kind: 'supporters', target: 1000, threshold: 3 }));
    assert.ok(r.status === 200 || r.status === 201, `${r.status} ${r.body}`);
    await eventually(async () => ticker(await appeal()) === null, { timeoutMs: 3000, message: 'the ticker hidden: 2 supporters, threshold 3' });
    await pay('3', 'monthly');
    const shown = await eventually(async () => ticker(await appeal()), { timeoutMs: 5000, message: 'the third supporter' });
    assert.deepEqual(shown, { text: '3 of 1,000 supporters', max: 1000, value: 3 });
    assert.deepEqual(ticker(await appeal('ru')), { text: '3 из 1\u00a0000 сторонников', max: 1000, value: 3 });
    // The embed (no script) carries the same fragment.
    const embed = await http(patron.base, 'GET', '/embed/appeal?article=a1&lang=en&bucket=7');
    assert.equal(embed.status, 200);
    assert.deepEqual(ticker(embed.body), shown);
}));
