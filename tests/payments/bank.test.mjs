// Bank transfers (issue 13): the reader chooses the rail on the support page,
// gets the account, the reference code and the EPC QR code; the newsroom
// imports its statement (camt.053 or CSV, from the command line or the
// dashboard) and each credit becomes the payment of the pledge its reference
// names, once; what names none waits for a person, whose decisions are
// audited. Real SQLite, real SMTP on loopback, the real binary.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
    PATRON_BIN, eventually, http, sleep, sqlite, startPatron, startSmtp, startStandin, stopClean, withLog,
} from './lib.mjs';
import { addUser, csvObjects, signedIn } from '../http/dashboard-lib.mjs';
import { manageLink } from '../stripe/mail.mjs';

const IBAN = 'DE89 3704 0044 0532 0130 00';
let standin;
let smtp;
let patron;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({
        stripe: standin, smtp, label: 'bank',
        config: {
            currencies: 'USD, EUR',
            bank_iban: IBAN,
            bank_holder: 'Stand-in Times e.V.',
            bank_bic: 'COBADEFFXXX',
            bank_name: 'Stand-in Bank',
            bank_csv_columns: 'date=Buchungstag; amount=Betrag; text=Verwendungszweck; id=Buchungsreferenz; decimal=,',
        },
    });
    addUser(patron, 'treasurer@standin-times.example', 'admin');
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

const log = (fn) => withLog(() => patron, fn);

/** A pledge by transfer through the support page: {pledgeId, reference, thanks}. */
async function transferPledge({ amount = '5', frequency = 'monthly', email = '', lang = 'en' } = {}) {
    const form = { lang, frequency, currency: 'EUR', shown_currency: 'EUR', [`amount_${frequency}`]: amount, [`rail_${frequency}`]: 'bank', email };
    const r = await http(patron.base, 'POST', '/support', { form });
    assert.equal(r.status, 303, `the support form answered ${r.status}: ${r.body.slice(0, 600)}`);
    const next = new URL(r.location);
    assert.equal(next.pathname, '/thanks', 'a transfer has no checkout elsewhere: the thank-you page says what to do');
    const pledgeId = next.searchParams.get('pledge');
    const reference = next.searchParams.get('session');
    assert.match(reference, /^RF\d{2}[0-9A-HJKMNP-TV-Z]{8}$/, 'an ISO 11649 reference of patron\'s shape');
    const thanks = await http(patron.base, 'GET', next.pathname + next.search);
    assert.equal(thanks.status, 200);
    return { pledgeId, reference, thanks: thanks.body };
}

const printed = (reference) => reference.replace(/(.{4})(?=.)/g, '$1 ');

function camt(entries) {
    const rows = entries.map((e) => `
      <Ntry>
        <Amt Ccy="${e.currency ?? 'EUR'}">${e.amount}</Amt>
        <CdtDbtInd>${e.debit ? 'DBIT' : 'CRDT'}</CdtDbtInd>
        <Sts>${e.pending ? 'PDNG' : 'BOOK'}</Sts>
        <BookgDt><Dt>${e.date ?? '2026-12-01'}</Dt></BookgDt>
        ${e.ref ? `<AcctSvcrRef>${e.ref}</AcctSvcrRef>` : ''}
        <NtryDtls><TxDtls>
          <RltdPties><Dbtr><Nm>Payer ${e.ref}</Nm></Dbtr><DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct></RltdPties>
          <RmtInf><Ustrd>${e.text}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>`).join('');
    return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
  <GrpHdr><MsgId>T-1</MsgId><CreDtTm>2026-12-02T06:00:00Z</CreDtTm></GrpHdr>
  <Stmt><Id>T-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>${rows}
  </Stmt></BkToCstmrStmt></Document>`;
}

function importFile(contents, name = 'statement.xml', extra = []) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-statement-'));
    const file = path.join(dir, name);
    fs.writeFileSync(file, contents);
    const r = spawnSync(PATRON_BIN, ['bank', 'import', file, '--config', patron.configFile, ...extra], { encoding: 'utf8', timeout: 30_000 });
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

const payments = (pledgeId) => sqlite(patron.db, `SELECT id, amount_minor, currency FROM payments WHERE pledge_id = '${pledgeId}' ORDER BY id`);
const pledge = (id) => sqlite(patron.db, `SELECT * FROM pledges WHERE id = '${id}'`)[0];
const mailsTo = (email) => smtp.messages.filter((m) => m.envelope.to.includes(email));

test('the support page offers a transfer beside the card for euros only, and a transfer needs no address', log(async () => {
    const eur = await http(patron.base, 'GET', '/support?currency=EUR');
    assert.equal(eur.status, 200);
    assert.match(eur.body, /<fieldset class="patron-rails" data-frequency="monthly"><legend>How would you like to give\?<\/legend><label><input type="radio" name="rail_monthly" value="stripe" checked> Card or online payment \(Stripe\)<\/label><label><input type="radio" name="rail_monthly" value="bank"> Bank transfer<\/label>/);
    // Stripe's checkout asks the address; a transfer needs none: the box is optional.
    assert.match(eur.body, /<label for="email">Your email address, if you want a receipt[^<]*<\/label><input id="email" name="email" type="email" autocomplete="email" value="">/);
    const usd = await http(patron.base, 'GET', '/support?currency=USD');
    assert.doesNotMatch(usd.body, /patron-rails/, 'the account takes euros only');
    // A rail that is not offered for the currency is refused, not guessed.
    const refused = await http(patron.base, 'POST', '/support', { form: { lang: 'en', frequency: 'monthly', currency: 'USD', shown_currency: 'USD', amount_monthly: '5', rail_monthly: 'bank' } });
    assert.equal(refused.status, 422);
    assert.match(refused.body, /Choose one of the ways to give shown\./);
    const ru = await http(patron.base, 'GET', '/support?currency=EUR&lang=ru');
    assert.match(ru.body, /Банковский перевод/);
}));

test('a monthly transfer: the thank-you page gives the account, the amount, the reference and the EPC QR code', log(async () => {
    const p = await transferPledge({ amount: '5', frequency: 'monthly' });
    const row = pledge(p.pledgeId);
    assert.equal(row.status, 'pending');
    assert.equal(row.processor, 'bank');
    assert.equal(row.checkout_id, p.reference);
    assert.equal(sqlite(patron.db, `SELECT length(email_sealed) AS n FROM pledges WHERE id = '${p.pledgeId}'`)[0].n ?? 0, 0, 'no address was given, none is kept');
    assert.match(p.thanks, /<dt>IBAN<\/dt><dd class="patron-iban">DE89 3704 0044 0532 0130 00<\/dd>/);
    assert.match(p.thanks, /<dt>Account holder<\/dt><dd>Stand-in Times e\.V\.<\/dd>/);
    assert.match(p.thanks, /<dt>Amount<\/dt><dd class="patron-amount">€5<\/dd>/);
    assert.match(p.thanks, new RegExp(`<dt>Reference</dt><dd class="patron-reference">${printed(p.reference)}</dd>`));
    assert.match(p.thanks, /standing order/);
    assert.match(p.thanks, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1" role="img" aria-label="EPC QR"/);
    // Nothing on the page is fetched from another host: the code is drawn inline.
    assert.doesNotMatch(p.thanks, /<(img|script|link|iframe)[^>]+(src|href)="https?:\/\/(?!127\.0\.0\.1)/);
    assert.doesNotMatch(p.thanks, /reload this page/, 'nobody is waiting for a processor');
}));

test('a statement: credits become payments once, a different amount as it is, the rest waits; the same statement again changes nothing', log(async () => {
    const monthly = await transferPledge({ amount: '5', frequency: 'monthly' });
    const once = await transferPledge({ amount: '25', frequency: 'one_off', email: 'giver@example.org' });
    const statement = camt([
        { ref: 'E-1', amount: '5.00', text: `Spende ${printed(monthly.reference).toLowerCase()} danke` },
        { ref: 'E-2', amount: '30.00', text: `donation/${once.reference}` },
        { ref: 'E-3', amount: '7.00', text: `RF99 ${monthly.reference.slice(4, 8)} ${monthly.reference.slice(8)}` },
        { ref: 'E-4', amount: '3.00', text: 'for your reporting' },
        { ref: 'E-5', amount: '12.00', text: 'account fee', debit: true },
        { ref: 'E-6', amount: '50.00', text: once.reference, pending: true },
    ]);
    const first = importFile(statement);
    assert.equal(first.status, 0, first.out);
    assert.match(first.out, /4 credits: 2 matched \(1 for another amount\), 2 waiting to be matched, 0 imported before; 1 debit and 1 pending entry left out\./);
    assert.deepEqual(payments(monthly.pledgeId), [{ id: 'bank:E-1', amount_minor: 500, currency: 'EUR' }]);
    assert.deepEqual(payments(once.pledgeId), [{ id: 'bank:E-2', amount_minor: 3000, currency: 'EUR' }], 'the amount as it arrived');
    assert.equal(pledge(monthly.pledgeId).status, 'active');
    assert.equal(pledge(once.pledgeId).status, 'completed');
    const history = sqlite(patron.db, `SELECT note FROM pledge_history WHERE pledge_id = '${once.pledgeId}' ORDER BY at, rowid`).map((r) => r.note);
    assert.ok(history.includes('a bank transfer of 3000 EUR arrived (the pledge is 2500 EUR)'), JSON.stringify(history));
    const waiting = sqlite(patron.db, "SELECT entry_key, amount_minor, text FROM bank_entries WHERE state = 'unmatched' ORDER BY entry_key");
    assert.deepEqual(waiting.map((w) => w.entry_key), ['E-3', 'E-4'], 'a mistyped reference matches nothing rather than the wrong pledge');
    // Nothing of the payer is kept: not the name, not the account.
    const kept = JSON.stringify(sqlite(patron.db, 'SELECT * FROM bank_entries'));
    assert.doesNotMatch(kept, /Payer|DE02120300000000202051/);
    // The donor who left an address gets the receipt; the other one nothing.
    // The thank-you with its manage link and the receipt, one each.
    await eventually(() => mailsTo('giver@example.org').length >= 2, { message: 'two emails to the donor' });
    assert.deepEqual(mailsTo('giver@example.org').map((m) => m.subject).sort().map((x) => x.split(' ')[0]), ['Thank', 'Your'].sort(), JSON.stringify(mailsTo('giver@example.org').map((m) => m.subject)));
    const before = JSON.stringify([payments(monthly.pledgeId), payments(once.pledgeId), sqlite(patron.db, 'SELECT * FROM bank_entries ORDER BY entry_key'), sqlite(patron.db, 'SELECT count(*) AS n FROM pledge_history')]);
    const mailsBefore = mailsTo('giver@example.org').length;

    const again = importFile(statement);
    assert.equal(again.status, 0, again.out);
    assert.match(again.out, /4 credits: 0 matched \(0 for another amount\), 0 waiting to be matched, 4 imported before;/);
    const afterAgain = JSON.stringify([payments(monthly.pledgeId), payments(once.pledgeId), sqlite(patron.db, 'SELECT * FROM bank_entries ORDER BY entry_key'), sqlite(patron.db, 'SELECT count(*) AS n FROM pledge_history')]);
    assert.equal(afterAgain, before, 'the second import changed nothing');
    await sleep(1500);
    assert.equal(mailsTo('giver@example.org').length, mailsBefore, 'and sent nothing');

    // Next month's standing order, in a CSV export this time.
    const csv = 'Buchungstag;Valuta;Betrag;Verwendungszweck;Buchungsreferenz\n' +
        `02.01.2027;02.01.2027;5,00;"Dauerauftrag ${monthly.reference}";C-1\n`;
    const month = importFile(csv, 'statement.csv');
    assert.equal(month.status, 0, month.out);
    assert.match(month.out, /1 credit: 1 matched/);
    assert.deepEqual(payments(monthly.pledgeId).map((x) => x.id), ['bank:C-1', 'bank:E-1']);
}));

test('bad statements are refused whole with a reason, and nothing changes', log(async () => {
    const digest = () => JSON.stringify([sqlite(patron.db, 'SELECT * FROM bank_entries ORDER BY entry_key'), sqlite(patron.db, 'SELECT * FROM payments ORDER BY id')]);
    const before = digest();
    const laughs = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-01</Dt></BookgDt><AddtlNtryInf>&b;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>';
    for (const [contents, reason] of [
        [laughs, /declares a DOCTYPE or entities/],
        ['<Document><broken>', /not well-formed XML/],
        [camt([{ ref: 'X-1', amount: '1,00', text: 'x' }]), /entry 1: its amount/],
        ['Buchungstag;Betrag;Verwendungszweck\n01.12.2026;abc;x\n', /no column named "Buchungsreferenz"|the amount/],
    ]) {
        const r = importFile(contents);
        assert.equal(r.status, 1, r.out);
        assert.match(r.out, reason);
        assert.match(r.out, /nothing was applied/);
    }
    assert.equal(digest(), before);
}));

async function upload(session, contents, name = 'statement.xml') {
    const form = new FormData();
    form.append('csrf', session.csrf);
    form.append('statement', new Blob([contents], { type: name.endsWith('.xml') ? 'text/xml' : 'text/csv' }), name);
    return session.keep(await http(patron.base, 'POST', '/dashboard/bank/import', { body: form, headers: session.headers({ 'Sec-Fetch-Site': 'same-origin' }) }));
}

test('the dashboard: an admin imports a statement, matches a mistyped transfer by hand, sets a refund aside; each decision audited', log(async () => {
    const p = await transferPledge({ amount: '10', frequency: 'one_off', email: 'hand@example.org' });
    const session = await signedIn(patron, 'treasurer@standin-times.example', undefined, '/dashboard/bank');
    const page = await session.get('/dashboard/bank');
    assert.equal(page.status, 200);
    assert.match(page.body, /<a href="\/dashboard\/bank" aria-current="page">Bank transfers<\/a>/);
    const typo = `${p.reference.slice(0, 11)}${p.reference[11] === 'A' ? 'B' : 'A'}`;
    const imported = await upload(session, camt([
        { ref: 'D-1', amount: '10.00', text: `Spende ${typo}` },
        { ref: 'D-2', amount: '40.00', text: 'Rueckerstattung Druckerei' },
    ]));
    assert.equal(imported.status, 200, imported.body.slice(0, 800));
    assert.match(imported.body, /2 credits: 0 matched \(0 for another amount\), 2 waiting to be matched/);
    assert.match(imported.body, /<table id="bank-queue">/);
    assert.match(imported.body, /Spende RF/);

    // Matched by the code the donor was shown, typed loosely.
    const matched = await session.post('/dashboard/bank/match', { key: 'D-1', pledge: ` ${printed(p.reference).toLowerCase()} ` });
    assert.equal(matched.status, 200, matched.body.slice(0, 800));
    assert.match(matched.body, /Matched: the transfer is now the pledge(&#39;|')s payment\./);
    assert.deepEqual(payments(p.pledgeId), [{ id: 'bank:D-1', amount_minor: 1000, currency: 'EUR' }]);
    assert.equal(pledge(p.pledgeId).status, 'completed');
    // A second click (or a colleague at the same time) is refused and changes nothing.
    const twice = await session.post('/dashboard/bank/match', { key: 'D-1', pledge: p.reference });
    assert.equal(twice.status, 200, 'the same match again is the same match: nothing new');
    assert.deepEqual(payments(p.pledgeId), [{ id: 'bank:D-1', amount_minor: 1000, currency: 'EUR' }]);
    const wrong = await session.post('/dashboard/bank/match', { key: 'D-2', pledge: 'RF00 0000 0000' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.body, /no pledge has that reference code or id/);

    const ignored = await session.post('/dashboard/bank/ignore', { key: 'D-2' });
    assert.equal(ignored.status, 200);
    assert.doesNotMatch(ignored.body, /name="key" value="D-2"/, 'it left the queue');
    assert.equal(sqlite(patron.db, "SELECT state FROM bank_entries WHERE entry_key = 'D-2'")[0].state, 'ignored');
    const again = await session.post('/dashboard/bank/ignore', { key: 'D-2' });
    assert.equal(again.status, 422);

    // Hostile XML through the page: refused whole.
    const hostile = await upload(session, '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document/>');
    assert.equal(hostile.status, 422);
    assert.match(hostile.body, /The statement was not imported: the statement declares a DOCTYPE/);

    const audit = csvObjects((await session.get('/dashboard/audit.csv')).body);
    const actions = audit.filter((r) => r.action.startsWith('bank_')).map((r) => `${r.action} ${r.detail}`);
    assert.ok(actions.some((a) => a.startsWith('bank_statement_imported 2 credits, 0 matched, 2 waiting')), actions.join('\n'));
    assert.ok(actions.includes(`bank_entry_matched entry D-1 to pledge ${p.pledgeId}`), actions.join('\n'));
    assert.ok(actions.includes('bank_entry_ignored entry D-2'), actions.join('\n'));
    assert.ok(actions.includes('bank_statement_refused '), actions.join('\n'));
    assert.ok(!JSON.stringify(audit).includes('hand@example.org'), 'the audit log names no donor');

    // The donor asks to be erased: the words they typed into their bank go,
    // the amount and date stay in the books.
    const erased = await session.post('/dashboard/donors/erase', { email: 'hand@example.org', confirm: 'yes' });
    assert.equal(erased.status, 200, erased.body.slice(0, 600));
    assert.deepEqual(sqlite(patron.db, "SELECT text, amount_minor, booked FROM bank_entries WHERE entry_key = 'D-1'"), [{ text: '', amount_minor: 1000, booked: '2026-12-01' }]);
    assert.deepEqual(payments(p.pledgeId), [{ id: 'bank:D-1', amount_minor: 1000, currency: 'EUR' }]);
    assert.equal(pledge(p.pledgeId).email_sealed, null);
}));

test('settings that cannot work stop patron with status 2 and a reason', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-bank-config-'));
    try {
        for (const [lines, reason] of [
            [['bank_iban = DE89 3704 0044 0532 0130 01', 'bank_holder = X'], /bank_iban: the IBAN's check digits do not hold/],
            [['bank_iban = DE89 3704 0044 0532 0130 00'], /bank_holder: the account holder's name/],
            [['bank_iban = DE89 3704 0044 0532 0130 00', 'bank_holder = X', 'bank_bic = nope'], /bank_bic/],
            [['bank_iban = DE89 3704 0044 0532 0130 00', 'bank_holder = X', 'currencies = EUR', 'bank_csv_columns = date=Datum; betrag=Betrag'], /bank_csv_columns: "betrag" is none of/],
        ]) {
            const file = path.join(dir, 'patron.conf');
            fs.writeFileSync(file, [`data_dir = ${path.join(dir, 'data')}`, 'listen = 127.0.0.1', 'port = 1', 'currencies = EUR', 'currency = EUR', ...lines].join('\n') + '\n');
            const r = spawnSync(PATRON_BIN, ['serve', '--config', file], { encoding: 'utf8', timeout: 20_000 });
            assert.equal(r.status, 2, `${lines.join('; ')}: ${r.stderr}`);
            assert.match(r.stderr, reason);
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test('a standing order that stops: past due after 40 days without a transfer, one email, active again with the next transfer', log(async () => {
    const email = 'standing@example.org';
    const p = await transferPledge({ amount: '10', frequency: 'monthly', email });
    const paid = importFile(camt([{ ref: 'L-1', amount: '10.00', text: p.reference }]));
    assert.equal(paid.status, 0, paid.out);
    assert.equal(pledge(p.pledgeId).status, 'active');
    await eventually(() => mailsTo(email).length >= 2, { message: 'the thank-you and the receipt' });
    // 30 days on, nothing is said; 45 days on, the order has lapsed.
    const day = 86400_000;
    const at = (days) => new Date(Date.now() + days * day).toISOString().replace(/\.\d+Z$/, 'Z');
    const quiet = importFile(camt([]), 'statement.xml', ['--now', at(30)]);
    assert.equal(quiet.status, 0, quiet.out);
    assert.equal(pledge(p.pledgeId).status, 'active');
    const late = importFile(camt([]), 'statement.xml', ['--now', at(45)]);
    assert.equal(late.status, 0, late.out);
    assert.match(late.out, /standing orders? stopped arriving: now past due\./);
    assert.equal(pledge(p.pledgeId).status, 'past_due');
    const notes = sqlite(patron.db, `SELECT note FROM pledge_history WHERE pledge_id = '${p.pledgeId}' ORDER BY at, rowid`).map((r) => r.note);
    assert.equal(notes.at(-1), 'no bank transfer for 40 days: past due');
    const [lapsed] = await smtp.waitFor((m) => m.envelope.to.includes(email) && /^We have not seen your transfer lately/.test(m.subject));
    assert.match(lapsed.text ?? lapsed.raw ?? '', /Paid by: Bank transfer/);
    assert.doesNotMatch(JSON.stringify(lapsed), /DE02120300000000202051/);
    // Later imports say nothing more.
    const later = importFile(camt([]), 'statement.xml', ['--now', at(60)]);
    assert.doesNotMatch(later.out, /stopped arriving/);
    await sleep(1500);
    assert.equal(mailsTo(email).filter((m) => /^We have not seen/.test(m.subject)).length, 1, 'one email, once');
    // The transfer comes after all: the pledge is active again.
    const back = importFile(camt([{ ref: 'L-2', amount: '10.00', date: at(61).slice(0, 10), text: `Dauerauftrag ${p.reference}` }]), 'statement.xml', ['--now', at(61)]);
    assert.match(back.out, /1 matched/);
    assert.equal(pledge(p.pledgeId).status, 'active');

    // The donor manages it from the emailed link: the page says the standing
    // order is theirs to change at their bank, shows the reference again,
    // offers no payment method to change, and records what they change.
    const thanks = mailsTo(email).find((m) => /^Thank you/.test(m.subject));
    const link = manageLink(thanks);
    assert.ok(link, 'the thank-you email has a manage link');
    const token = new URL(link).searchParams.get('t');
    const page = await http(patron.base, 'GET', `/manage?t=${encodeURIComponent(token)}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /You give by bank transfer/);
    assert.match(page.body, new RegExp(`<dd class="patron-reference">${printed(p.reference)}</dd>`));
    assert.doesNotMatch(page.body, /name="action" value="card"/);
    const changed = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'amount', amount: '12' } });
    assert.equal(changed.status, 200, changed.body.slice(0, 400));
    assert.equal(pledge(p.pledgeId).amount_minor, 1200);
    const card = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'card' } });
    assert.equal(card.status, 409);
    const cancelled = await http(patron.base, 'POST', '/manage', { form: { t: token, action: 'cancel' } });
    assert.equal(cancelled.status, 200, cancelled.body.slice(0, 400));
    assert.equal(pledge(p.pledgeId).status, 'cancelled');
    await smtp.waitFor((m) => m.envelope.to.includes(email) && /cancel/i.test(m.subject));
}));

test('a statement larger than a form field (a year of entries) is taken as a file; typed fields stay small', log(async () => {
    const session = await signedIn(patron, 'treasurer@standin-times.example', undefined, '/dashboard/bank');
    const padding = `<!-- ${'x'.repeat(300 * 1024)} -->`;
    const statement = camt([{ ref: 'BIG-1', amount: '1.00', text: 'a year of entries' }]).replace('<BkToCstmrStmt>', `${padding}<BkToCstmrStmt>`);
    assert.ok(statement.length > 300 * 1024);
    const r = await upload(session, statement);
    assert.equal(r.status, 200, r.body.slice(0, 600));
    assert.match(r.body, /1 credit: 0 matched \(0 for another amount\), 1 waiting to be matched/);
    const typed = await session.post('/dashboard/bank/match', { key: 'BIG-1', pledge: 'x'.repeat(100 * 1024) });
    assert.equal(typed.status, 413, 'a typed value over 64 KiB is refused as before');
}));
