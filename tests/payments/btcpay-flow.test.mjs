// BTCPay end to end over HTTP: patron taking crypto through the BTCPay
// stand-in (tests/btcpay/standin.mjs), with real SMTP on loopback. A gift is
// one invoice; the webhook is checked (BTCPay-Sig), the invoice read back and
// applied once; expired and invalid invoices are a line in the history and
// nothing else; a monthly pledge gets one emailed link a month that makes
// that month's invoice, and lapses after two unpaid months. Time is moved
// with PATRON_CLOCK_OFFSET across restarts.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signature } from '../btcpay/standin.mjs';
import { eventually, http, sqlite, startSmtp, stopClean, withLog } from './lib.mjs';
import { history, outbox, payAndReturn, payments, pledge, snapshot, startBtcpay, startBtcpayPatron, supportBtcpay } from './btcpay-lib.mjs';

let btcpay;
let smtp;
let patron;

before(async () => {
    btcpay = await startBtcpay({ retryDelaysMs: [50, 100, 200, 400, 800] });
    smtp = await startSmtp();
    patron = await startBtcpayPatron({ btcpay, smtp });
});

after(async () => {
    await stopClean(patron);
    await btcpay?.close();
    await smtp?.close();
});

const to = (email) => (m) => m.envelope.to.includes(email);
const log = (fn) => withLog(() => patron, fn);
const EXPIRED_NOTE = 'crypto invoice expired unpaid';
const INVALID_NOTE = 'crypto invoice invalid: its payment did not confirm in time';

test('a gift: the invoice BTCPay is asked for, its checkout, the settled webhook, the thank-you page and the receipt', log(async () => {
    const email = 'gift@example.org';
    const s = await supportBtcpay(patron, btcpay, { amount: '5', email });
    assert.equal(s.status, 303, s.body.slice(0, 400));
    assert.ok(s.invoiceId && s.pledgeId, `patron sent the reader to ${s.location}`);

    // What BTCPay was asked, as the Greenfield API documents it.
    const made = btcpay.requests.filter((r) => r.method === 'POST');
    const request = made[made.length - 1];
    assert.equal(request.status, 200, JSON.stringify(request.error));
    assert.equal(request.path, `/api/v1/stores/${btcpay.storeId}/invoices`);
    assert.equal(request.authorized, true, 'Authorization: token KEY');
    assert.equal(request.body.amount, '5.00', 'the amount as a decimal string');
    assert.equal(request.body.currency, 'USD');
    assert.equal(request.body.metadata.orderId, s.pledgeId);
    assert.equal(request.body.checkout.redirectURL, `${patron.base}/thanks?pledge=${s.pledgeId}`);
    assert.equal(request.body.checkout.redirectAutomatically, true);
    assert.deepEqual(Object.keys(request.body.metadata).filter((k) => /buyer/i.test(k)), [], 'nothing of the reader');
    assert.equal(pledge(patron, s.pledgeId).processor, 'btcpay');
    assert.equal(pledge(patron, s.pledgeId).checkout_id, s.invoiceId);

    // The reader pays on BTCPay's page and comes back.
    const { done, back } = await payAndReturn(patron, btcpay, s.invoiceId);
    assert.equal(done.status, 303);
    assert.equal(back.status, 200);
    assert.match(back.body, /data-status="completed"/, 'the thank-you page read the settled invoice');
    await btcpay.idle();
    const sent = btcpay.deliveries.filter((d) => d.invoiceId === s.invoiceId);
    assert.deepEqual([...new Set(sent.map((d) => d.type))].sort(), ['InvoiceCreated', 'InvoiceProcessing', 'InvoiceReceivedPayment', 'InvoiceSettled']);
    assert.ok(sent.every((d) => d.status === 200), JSON.stringify(sent));

    const row = pledge(patron, s.pledgeId);
    assert.equal(row.status, 'completed');
    assert.deepEqual(payments(patron, s.pledgeId), [{ id: s.invoiceId, amount_minor: 500, currency: 'USD' }]);
    const events = sqlite(patron.db, `SELECT id FROM processor_events WHERE id LIKE 'btcpay-${s.invoiceId}-%'`).map((r) => r.id);
    assert.deepEqual(events, [`btcpay-${s.invoiceId}-Settled`], 'the settled invoice applied once, whichever call came first');

    // A webhook delivered again (a redelivery) changes nothing.
    const before = snapshot(patron);
    const settled = btcpay.events.find((e) => e.invoiceId === s.invoiceId && e.type === 'InvoiceSettled');
    const again = await btcpay.deliverOne({ ...settled, body: { ...settled.body, deliveryId: 'Redelivery0000000000001', isRedelivery: true } });
    assert.equal(again.status, 200);
    assert.match(again.answer, /"duplicate":true/);
    assert.equal(snapshot(patron), before);

    const mails = await smtp.waitFor(to(email), { count: 2 });
    assert.deepEqual(mails.map((m) => m.subject).sort(), ['Thank you for your support — The Stand-in Times', 'Your receipt — The Stand-in Times']);
    assert.ok(mails.every((m) => /\$5/.test(m.text ?? '')), `the emails name the amount: ${mails.map((m) => m.text).join('\n---\n')}`);
    for (const m of mails) assert.doesNotMatch(`${m.text}${m.html}`, /bc1q|standinaddress/, 'no wallet address in any email');
}));

test('an invoice that expires is a line in the history and nothing else, once', log(async () => {
    const s = await supportBtcpay(patron, btcpay, { amount: '7', email: 'late@example.org' });
    assert.equal(s.status, 303);
    const { done } = await payAndReturn(patron, btcpay, s.invoiceId, { outcome: 'expired' });
    assert.equal(done.status, 200, 'BTCPay does not send the reader back for an expired invoice');
    await btcpay.idle();
    const notes = () => history(patron, s.pledgeId).filter((h) => h.note === EXPIRED_NOTE);
    await eventually(() => notes().length === 1, { message: 'the expired line' });
    const expired = btcpay.events.find((e) => e.invoiceId === s.invoiceId && e.type === 'InvoiceExpired');
    const again = await btcpay.deliverOne({ ...expired, body: { ...expired.body, deliveryId: 'Redelivery0000000000002', isRedelivery: true } });
    assert.equal(again.status, 200);
    assert.equal(notes().length, 1, 'applied once');
    assert.equal(pledge(patron, s.pledgeId).status, 'pending');
    assert.deepEqual(payments(patron, s.pledgeId), []);
    assert.deepEqual(outbox(patron, s.pledgeId), [], 'no email');
    const thanks = await http(patron.base, 'GET', `/thanks?pledge=${s.pledgeId}`);
    assert.equal(thanks.status, 200);
    assert.equal(notes().length, 1, 'the thank-you page adds nothing');
}));

test('an invalid invoice (paid, never confirmed) is a line in the history and nothing else', log(async () => {
    const s = await supportBtcpay(patron, btcpay, { amount: '8', email: 'invalid@example.org' });
    assert.equal(s.status, 303);
    await payAndReturn(patron, btcpay, s.invoiceId, { outcome: 'invalid' });
    await btcpay.idle();
    await eventually(() => history(patron, s.pledgeId).some((h) => h.note === INVALID_NOTE), { message: 'the invalid line' });
    assert.equal(history(patron, s.pledgeId).filter((h) => h.note === INVALID_NOTE).length, 1);
    assert.equal(pledge(patron, s.pledgeId).status, 'pending');
    assert.deepEqual(payments(patron, s.pledgeId), []);
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM payment_failures WHERE pledge_id = '${s.pledgeId}'`)[0].n, 0, 'not a failed payment');
    assert.deepEqual(outbox(patron, s.pledgeId), []);
}));

test('a webhook with a bad signature is refused with 400 and changes nothing; the right one is applied', log(async () => {
    const s = await supportBtcpay(patron, btcpay, { amount: '9', email: 'sig@example.org' });
    assert.equal(s.status, 303);
    await btcpay.idle(); /* InvoiceCreated, read back after settle(), would apply it rightly */
    const made = btcpay.settle(s.invoiceId, { deliver: false });
    const settled = made.find((e) => e.type === 'InvoiceSettled');
    const before = snapshot(patron);
    const text = JSON.stringify(settled.body);
    const tries = [
        { secret: 'another-secret-0123456789' },
        { signatureHeader: null },
        { signatureHeader: 'sha256=' },
        { signatureHeader: signature(text, btcpay.webhookSecret).replace('sha256=', 'sha1=') },
        { body: text.replace('"isRedelivery":false', '"isRedelivery":true '), signatureHeader: signature(text, btcpay.webhookSecret) },
    ];
    for (const t of tries) {
        const r = await btcpay.deliverOne(settled, { ...t, maxAttempts: 1 });
        assert.equal(r.status, 400, `${JSON.stringify(t).slice(0, 80)}: ${r.answer}`);
        assert.match(r.answer, /BTCPay-Sig/);
    }
    assert.equal(snapshot(patron), before, 'nothing changed');
    assert.equal(pledge(patron, s.pledgeId).status, 'pending');
    const right = await btcpay.deliverOne(settled, { maxAttempts: 1 });
    assert.equal(right.status, 200);
    assert.equal(pledge(patron, s.pledgeId).status, 'completed');
}));

test('a signed webhook about an invoice BTCPay does not know, or of another store, is acknowledged and changes nothing', log(async () => {
    const before = snapshot(patron);
    const known = btcpay.events[0];
    const unknown = { ...known, invoiceId: 'NoSuchInvoice000000000', body: { ...known.body, type: 'InvoiceSettled', invoiceId: 'NoSuchInvoice000000000', deliveryId: 'Unknown000000000000001' } };
    const r = await btcpay.deliverOne(unknown, { maxAttempts: 1 });
    assert.equal(r.status, 200, r.answer);
    assert.match(r.answer, /"ignored":true/);
    const foreign = { ...known, body: { ...known.body, type: 'InvoiceSettled', storeId: 'AnotherStore000000000000', deliveryId: 'Foreign000000000000001' } };
    const f = await btcpay.deliverOne(foreign, { maxAttempts: 1 });
    assert.equal(f.status, 200, f.answer);
    assert.match(f.answer, /"ignored":true/);
    const notInvoice = { ...known, body: { deliveryId: 'Payout00000000000000001', webhookId: btcpay.webhookId, originalDeliveryId: 'Payout00000000000000001', isRedelivery: false, type: 'PayoutCreated', timestamp: 1796000000, storeId: btcpay.storeId, payoutId: 'P1' } };
    const p = await btcpay.deliverOne(notInvoice, { maxAttempts: 1 });
    assert.equal(p.status, 200, p.answer);
    assert.equal(snapshot(patron), before);
}));

/** Seconds from now to a day into month `period` of a pledge made at `created` (unix seconds). */
function offsetInto(created, period) {
    const start = new Date(created * 1000);
    const day = start.getUTCDate();
    const target = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + period, Math.min(day, 28), start.getUTCHours()));
    return Math.ceil((target.getTime() - Date.now()) / 1000) + 2 * 86400;
}

test('a monthly crypto pledge: the month email with its link, the link makes that month\'s invoice once, and two unpaid months lapse it', { timeout: 120_000 }, log(async () => {
    const email = 'monthly@example.org';
    const s = await supportBtcpay(patron, btcpay, { amount: '6', frequency: 'monthly', email });
    assert.equal(s.status, 303, s.body.slice(0, 300));
    const first = btcpay.invoices.get(s.invoiceId);
    assert.equal(first.metadata.patronFrequency, 'monthly');
    assert.equal(first.metadata.patronPeriod, '0');
    const { back } = await payAndReturn(patron, btcpay, s.invoiceId);
    assert.match(back.body, /data-status="active"/);
    await btcpay.idle();
    assert.equal(pledge(patron, s.pledgeId).subscription_id, `crypto-${s.pledgeId}`);
    assert.equal(payments(patron, s.pledgeId).length, 1);
    const created = sqlite(patron.db, `SELECT created_at FROM pledges WHERE id = '${s.pledgeId}'`)[0].created_at;
    const monthMails = () => smtp.messages.filter((m) => to(email)(m) && /crypto pledge is due/.test(m.subject));
    assert.equal(monthMails().length, 0, 'nothing is due in the first month');

    // A month later: one email with a signed link.
    await patron.restart({ PATRON_CLOCK_OFFSET: String(offsetInto(created, 1)) });
    await eventually(() => monthMails().length === 1, { timeoutMs: 20_000, message: 'the month email' });
    const link = /https?:\/\/[^\s"<>]+\/crypto\/month\?t=[A-Za-z0-9_\-%.]+/.exec(monthMails()[0].text)?.[0];
    assert.ok(link, monthMails()[0].text);
    assert.ok(history(patron, s.pledgeId).some((h) => /crypto invoice was emailed/.test(h.note)));
    // Once: another start in the same month sends nothing more.
    await patron.restart({ PATRON_CLOCK_OFFSET: String(offsetInto(created, 1) + 3600) });
    await new Promise((resolve) => setTimeout(resolve, 6500));
    assert.equal(monthMails().length, 1, 'one email a month');

    // The link: a GET shows a button and makes nothing; the POST makes the invoice, once.
    const invoicesBefore = btcpay.invoices.size;
    const page = await http(patron.base, 'GET', link.slice(patron.base.length));
    assert.equal(page.status, 200);
    assert.match(page.body, /<strong>\$6<\/strong>/);
    assert.match(page.body, /<form method="post"/);
    assert.equal(btcpay.invoices.size, invoicesBefore, 'a mail scanner opening the link makes no invoice');
    const token = new URL(link).searchParams.get('t');
    const go = await http(patron.base, 'POST', '/crypto/month', { form: { t: token } });
    assert.equal(go.status, 303, `${go.status} ${go.body.slice(0, 600)}\n${patron.stderr().slice(-1500)}`);
    const monthInvoice = go.location.slice(`${btcpay.url}/i/`.length);
    const invoice = btcpay.invoices.get(monthInvoice);
    assert.ok(invoice, go.location);
    assert.equal(invoice.amount, '6.00');
    assert.equal(invoice.metadata.orderId, s.pledgeId);
    assert.equal(invoice.metadata.patronPeriod, '1');
    const twice = await http(patron.base, 'POST', '/crypto/month', { form: { t: token } });
    assert.equal(twice.location, go.location, 'the same month\'s invoice again');
    const forged = await http(patron.base, 'POST', '/crypto/month', { form: { t: token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA') } });
    assert.equal(forged.status, 400);

    // Paid: a second payment, a receipt, still active.
    await payAndReturn(patron, btcpay, monthInvoice);
    await btcpay.idle();
    await eventually(() => payments(patron, s.pledgeId).length === 2, { message: 'the month\'s payment' });
    assert.deepEqual(payments(patron, s.pledgeId).map((p) => p.id).sort(), [s.invoiceId, monthInvoice].sort());
    assert.equal(pledge(patron, s.pledgeId).status, 'active');
    assert.equal(outbox(patron, s.pledgeId).filter((o) => o.kind === 'receipt').length, 2);

    // Month 3 (month 2 unpaid): another email, not yet lapsed.
    await patron.restart({ PATRON_CLOCK_OFFSET: String(offsetInto(created, 3)) });
    await eventually(() => monthMails().length === 2, { timeoutMs: 20_000, message: 'the third month\'s email' });
    assert.equal(pledge(patron, s.pledgeId).status, 'active');

    // Month 4 (months 2 and 3 unpaid): lapsed, told once, and the link says so.
    await patron.restart({ PATRON_CLOCK_OFFSET: String(offsetInto(created, 4)) });
    await eventually(() => pledge(patron, s.pledgeId).status === 'cancelled', { timeoutMs: 20_000, message: 'the lapse' });
    assert.ok(history(patron, s.pledgeId).some((h) => h.status === 'cancelled' && /lapsed: two crypto payments unpaid/.test(h.note)));
    assert.equal(monthMails().length, 2, 'no email for a lapsed pledge');
    const third = new URL(/https?:\/\/[^\s"<>]+\/crypto\/month\?t=[A-Za-z0-9_\-%.]+/.exec(monthMails()[1].text)[0]).searchParams.get('t');
    const lapsed = await http(patron.base, 'POST', '/crypto/month', { form: { t: third } });
    assert.equal(lapsed.status, 200);
    assert.match(lapsed.body, /This pledge has ended/);
    assert.equal(btcpay.invoices.size, invoicesBefore + 1);
    await patron.restart({ PATRON_CLOCK_OFFSET: '0' });
}));
