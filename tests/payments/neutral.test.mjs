// Neutral traces (issue 14, item 5): the newsroom words what a donor's inbox
// and card statement show, so that none has to name it. The sender's name
// and the subjects (per message and language, falling back to one for every
// language, then to patron's own) reach the emails' headers as configured,
// and the card statement's suffix reaches the stand-in Stripe's checkout (a
// gift's payment_intent_data) and its charge. Values Stripe or a mail
// header could not take stop patron at start with status 2 and the reason.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, makeTempDir, runPatron, writeConfig } from '../http/lib.mjs';
import { payAndReturn, startPatron, startSmtp, startStandin, stopClean, support, withLog } from './lib.mjs';

const NEWSROOM = 'The Stand-in Times';
let standin;
let smtp;
let patron;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789', descriptorPrefix: 'STANDIN' });
    smtp = await startSmtp();
    patron = await startPatron({
        stripe: standin,
        smtp,
        label: 'neutral',
        config: {
            mail_from_name: 'Reader Services',
            email_subject_thanks: 'Your membership',
            email_subject_receipt: 'Receipt',
            email_subject_receipt_ru: 'Ваш чек',
            stripe_statement_descriptor_suffix: 'MEMBERSHIP',
            stripe_statement_descriptor_prefix: 'STANDIN',
        },
    });
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

const to = (email) => (m) => m.envelope.to.includes(email);

test('the sender\'s name and the subjects are the newsroom\'s words, in each language', { timeout: 60_000 }, withLog(() => patron, async () => {
    for (const [email, lang] of [['en.donor@example.org', 'en'], ['ru.donor@example.org', 'ru']]) {
        const s = await support(patron, standin, { amount: '7', frequency: 'one_off', lang });
        assert.equal(s.status, 303, s.body.slice(0, 300));
        await payAndReturn(patron, standin, s.sessionId, { email });
        await smtp.waitFor((m) => to(email)(m) && m.subject === (lang === 'ru' ? 'Ваш чек' : 'Receipt'), { timeoutMs: 15_000 });
        await smtp.waitFor((m) => to(email)(m) && m.subject === 'Your membership', { timeoutMs: 15_000 });
        for (const m of smtp.messages.filter(to(email))) {
            assert.match(m.from, /^"?Reader Services"? <[^>]+>$/, `From: ${m.from}`);
            assert.ok(!m.subject.includes(NEWSROOM), `the subject names the newsroom: ${m.subject}`);
            assert.ok(!m.from.includes(NEWSROOM), `the sender names the newsroom: ${m.from}`);
        }
    }
}));

test('a gift\'s card statement shows the configured suffix; a pledge sends none', { timeout: 60_000 }, withLog(() => patron, async () => {
    const gift = await support(patron, standin, { amount: '9', frequency: 'one_off' });
    assert.equal(gift.status, 303, gift.body.slice(0, 300));
    const asked = standin.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && r.status === 200);
    assert.equal(asked.at(-1).params.payment_intent_data.statement_descriptor_suffix, 'MEMBERSHIP');
    await payAndReturn(patron, standin, gift.sessionId, { email: 'gift@example.org' });
    const pi = standin.state.paymentIntents.get(standin.session(gift.sessionId).payment_intent);
    assert.equal(pi.statement_descriptor_suffix, 'MEMBERSHIP');
    assert.equal(standin.charge(pi.latest_charge).calculated_statement_descriptor, 'STANDIN* MEMBERSHIP');
    const monthly = await support(patron, standin, { amount: '4', frequency: 'monthly' });
    assert.equal(monthly.status, 303, monthly.body.slice(0, 300));
    const last = standin.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions').at(-1);
    assert.equal(last.params.mode, 'subscription');
    assert.equal(last.params.payment_intent_data, undefined, 'Checkout takes no descriptor for a subscription');
}));

test('values Stripe or a mail header cannot take stop patron with status 2 and say why', async () => {
    const cases = [
        { config: { stripe_statement_descriptor_suffix: 'GIFT*2026' }, re: /stripe_statement_descriptor_suffix may not contain < > \\ ' " or \*/ },
        { config: { stripe_statement_descriptor_suffix: 'SPENDE ÄRZTE' }, re: /stripe_statement_descriptor_suffix may hold only Latin letters/ },
        { config: { stripe_statement_descriptor_suffix: '2026 12' }, re: /stripe_statement_descriptor_suffix must contain at least one letter/ },
        { config: { stripe_statement_descriptor_suffix: 'A VERY LONG SUFFIX XX' }, re: /has 21 characters: .* at most 18 without a prefix/ },
        { config: { stripe_statement_descriptor_suffix: 'SUPPORT 2026', stripe_statement_descriptor_prefix: 'NEWSROOMXY' }, re: /"NEWSROOMXY\* SUPPORT 2026" has 24 characters; Stripe allows 22: shorten stripe_statement_descriptor_suffix to at most 10/ },
        { config: { stripe_statement_descriptor_prefix: 'NEWS' }, re: /stripe_statement_descriptor_prefix is only for checking/ },
        { config: { stripe_statement_descriptor_suffix: 'GIFT', stripe_statement_descriptor_prefix: 'N' }, re: /has 2 to 10 characters, not 1/ },
        { config: { mail_from_name: 'x'.repeat(101) }, re: /'mail_from_name' may be at most 100 bytes/ },
        { config: { email_subject_receipt_ru: 'я'.repeat(101) }, re: /'email_subject_receipt_ru' may be at most 200 bytes/ },
        { config: { email_subject_receipt_de: 'Quittung' }, re: /unknown key 'email_subject_receipt_de'/ },
    ];
    for (const c of cases) {
        const dir = makeTempDir('neutral');
        const file = writeConfig(dir, await freePort(), { stripe_api_base: 'http://127.0.0.1:9', ...c.config });
        const r = runPatron(['serve', '--config', file], 10_000);
        assert.equal(r.status, 2, `${JSON.stringify(c.config)}: status ${r.status} signal ${r.signal}\n${r.stderr}`);
        assert.match(r.stderr, c.re, JSON.stringify(c.config));
    }
});
