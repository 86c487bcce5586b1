// Supporters recognised on every device, without an account (issue 15, item 5):
// - /supporter answers the same bytes for a supporter's address and an
//   unknown one, and emails a link only to the supporter;
// - the link is scanner-safe: GET shows a button and changes nothing, only
//   the POST answers the page that marks the browser (thanks.js);
// - its token is signed and expires: a tampered, foreign or expired one is
//   refused;
// - the thank-you email carries the same offer;
// - nothing about the reader is stored: the database holds the same rows
//   after the link is used as before.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
    eventually, http, payAndReturn, sqlite, startPatron, startSmtp, startStandin, stopClean, support, withLog,
} from './lib.mjs';
import { answerBytes, assertSameAnswers } from '../http/same_answer.mjs';

const KNOWN = 'device.supporter@example.org';
const UNKNOWN = 'nobody.at.all@example.org';
const DEVICE = /https?:\/\/[^\s"<>]+\/supporter\/device\?t=[A-Za-z0-9_\-]+(?:&(?:amp;)?lang=[a-z]+)?/;

let standin;
let smtp;
let patron;
let pledgeId;

const ask = (email) => answerBytes(patron.port, 'POST', '/supporter', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email }).toString(),
});
const to = (address) => smtp.messages.filter((m) => m.envelope.to.includes(address));
const links = (address) => to(address).filter((m) => /^Stop the appeals/.test(m.subject));
const deviceLink = (message) => {
    const m = DEVICE.exec(`${message.text ?? ''}\n${message.html ?? ''}`);
    return m ? m[0].replace(/&amp;/g, '&') : null;
};
/* Every row of every table, to show that using the link writes nothing. */
function everything() {
    const tables = sqlite(patron.db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    return Object.fromEntries(tables.map(({ name }) => [name, sqlite(patron.db, `SELECT count(*) AS n FROM "${name}"`)[0].n]));
}

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, label: 'supporter' });
    const s = await support(patron, standin, { amount: '4', frequency: 'monthly' });
    assert.equal(s.status, 303, s.body);
    await payAndReturn(patron, standin, s.sessionId, { email: KNOWN });
    pledgeId = s.pledgeId;
    await standin.idle();
    await eventually(() => sqlite(patron.db, "SELECT status FROM pledges WHERE id = '" + pledgeId + "'")[0]?.status === 'active',
        { timeoutMs: 20_000, message: 'the pledge to be active' });
    await eventually(() => to(KNOWN).length >= 1, { timeoutMs: 20_000, message: 'the thank-you email' });
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

test('the thank-you email and page offer to stop the appeals on this device', withLog(() => patron, async () => {
    const thanks = to(KNOWN)[0];
    const link = deviceLink(thanks);
    assert.ok(link, `no device link in the thank-you email:\n${thanks.text}`);
    assert.match(thanks.text, /Stop showing me appeals on this device: http/);
    const page = await http(patron.base, 'GET', new URL(link).pathname + new URL(link).search);
    assert.equal(page.status, 200, page.body);
    const row = sqlite(patron.db, `SELECT status FROM pledges WHERE id = '${pledgeId}'`)[0];
    assert.equal(row.status, 'active');
    const back = await http(patron.base, 'GET', `/thanks?pledge=${pledgeId}`);
    assert.equal(back.status, 200);
    assert.match(back.body, /<a class="patron-supporter-link" href="\/supporter\/device\?t=[A-Za-z0-9_-]+">Stop showing me appeals on this device<\/a>/);
}));

test('known and unknown addresses get the same bytes; only the supporter gets a link', withLog(() => patron, async () => {
    // The support page points a supporter on another device here.
    const supportPage = await http(patron.base, 'GET', '/support');
    assert.match(supportPage.body, /<a href="\/supporter">Already a supporter\? Stop the appeals on this device<\/a>/);
    const ru = await http(patron.base, 'GET', '/supporter?lang=ru');
    assert.match(ru.body, /<html lang="ru"/);
    assert.match(ru.body, /<h1>Вы уже поддерживаете нас\?<\/h1>/);
    assert.match(ru.body, /<input type="hidden" name="lang" value="ru">/);
    const form = await http(patron.base, 'GET', '/supporter');
    assert.equal(form.status, 200);
    assert.match(form.body, /<form method="post" action="\/supporter">/);
    const had = links(KNOWN).length;
    const answers = {
        'a supporter': await ask(KNOWN),
        'an unknown address': await ask(UNKNOWN),
        'the supporter spelt otherwise': await ask(' Device.Supporter@EXAMPLE.org '),
    };
    assertSameAnswers(answers, 'POST /supporter');
    assert.match(answers['an unknown address'], /^HTTP\/1\.1 200 /);
    assert.match(answers['an unknown address'], /Check your email/);
    await eventually(() => links(KNOWN).length === had + 2, { timeoutMs: 20_000, message: 'two supporter emails' });
    const mail = links(KNOWN).at(-1);
    assert.match(mail.subject, /^Stop the appeals on your device/);
    assert.ok(deviceLink(mail), mail.text);
    // The outbox is empty, and no email went to the unknown address.
    await eventually(() => sqlite(patron.db, 'SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL')[0].n === 0,
        { timeoutMs: 20_000, message: 'the outbox to empty' });
    assert.equal(to(UNKNOWN).length, 0, 'an email went to an unknown address');
    // One address gets at most 3 link emails an hour, however often it is
    // asked for: the third comes, the fourth and fifth do not, and the
    // answers stay the same.
    const three = await ask(KNOWN);
    assertSameAnswers({ 'the third ask': three, 'more asks': await ask(KNOWN), 'and more': await ask(KNOWN) }, 'POST /supporter');
    assert.equal(three, answers['a supporter']);
    await eventually(() => links(KNOWN).length === had + 3, { timeoutMs: 20_000, message: 'the third supporter email' });
    await eventually(() => sqlite(patron.db, 'SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL')[0].n === 0,
        { timeoutMs: 20_000, message: 'the outbox to empty' });
    assert.equal(sqlite(patron.db, "SELECT count(*) AS n FROM outbox WHERE kind = 'supporter'")[0].n, 3);
    assert.equal(links(KNOWN).length, had + 3, 'more than 3 link emails an hour reached one address');
    // Not an address: a clear refusal, the same for everyone.
    const bad = await ask('not an address');
    assert.match(bad, /^HTTP\/1\.1 422 /);
}));

test('the link: GET changes nothing, POST marks the browser, bad tokens are refused', withLog(() => patron, async () => {
    const link = new URL(deviceLink(links(KNOWN).at(-1)));
    const token = link.searchParams.get('t');
    const before = everything();

    const opened = await http(patron.base, 'GET', link.pathname + link.search);
    assert.equal(opened.status, 200, opened.body);
    assert.match(opened.body, /<form method="post" action="\/supporter\/device">/);
    assert.match(opened.body, /<button type="submit"[^>]*>Stop showing me appeals here<\/button>/);
    assert.doesNotMatch(opened.body, /thanks\.js/, 'opening the link already marks the browser');
    assert.deepEqual(everything(), before, 'opening the link wrote to the database');

    const used = await http(patron.base, 'POST', '/supporter/device', { form: { t: token } });
    assert.equal(used.status, 200, used.body);
    assert.match(used.body, /<script src="\/thanks\.js"><\/script>/);
    assert.match(used.body, /href="\/#patron-supporter"/);
    assert.deepEqual(everything(), before, 'using the link wrote to the database');

    // In Russian, the link's page and its answer.
    const ruOpened = await http(patron.base, 'GET', `${link.pathname}${link.search}&lang=ru`);
    assert.match(ruOpened.body, /Не показывать мне призывы здесь<\/button>/);
    const ruUsed = await http(patron.base, 'POST', '/supporter/device', { form: { t: token, lang: 'ru' } });
    assert.match(ruUsed.body, /<h1>Спасибо за вашу поддержку<\/h1>/);

    // Leave no trace: the form posts with trace=none, which thanks.js reads.
    const traceless = await http(patron.base, 'GET', `${link.pathname}${link.search}&trace=none`);
    assert.match(traceless.body, /action="\/supporter\/device\?trace=none"/);

    // Tampered: one character of the signature changed.
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const tampered = token.slice(0, -1) + last;
    for (const [label, t] of [['tampered', tampered], ['truncated', token.slice(0, 20)], ['empty', '']]) {
        const r = await http(patron.base, 'POST', '/supporter/device', { form: { t } });
        assert.equal(r.status, 403, `${label}: ${r.body.slice(0, 200)}`);
        assert.doesNotMatch(r.body, /thanks\.js/);
        const g = await http(patron.base, 'GET', `/supporter/device?t=${encodeURIComponent(t)}`);
        assert.equal(g.status, 403, label);
    }
    // Foreign: the erase link of the same email is signed for another use.
    const erase = /\/erase\?t=([A-Za-z0-9_-]+)/.exec(to(KNOWN)[0].text)[1];
    const foreign = await http(patron.base, 'POST', '/supporter/device', { form: { t: erase } });
    assert.equal(foreign.status, 403);

    // Expired: two days later the same link is refused (it works for a day).
    await patron.restart({ PATRON_CLOCK_OFFSET: String(2 * 86400) });
    const late = await http(patron.base, 'POST', '/supporter/device', { form: { t: token } });
    assert.equal(late.status, 403, late.body.slice(0, 200));
    assert.match(late.body, /This link does not work/);
    await patron.restart({});
}));
