// The thank-you page asks Stripe about a pledge only while the ledger does
// not know its outcome, and not on every hit: a reload loop, a crawler or an
// attacker hitting /thanks for one pledge must not become a stream of API
// calls (issue 16, item 9: 2,864 calls in 5 s for one pledge). And the
// thank-you email reaches a pledge whose first news is a failed renewal
// (issue 16, item 22a).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { http, pledgeRow, sleep, startPatron, startSmtp, startStandin, stopClean, support, withLog } from './lib.mjs';

let standin;
let smtp;
let patron;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, label: 'thanks' });
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

const HITS = 50;
const CHECK_SECONDS = 10; // PT_THANKS_CHECK_SECONDS

/** API calls patron made to the stand-in about this checkout or its subscription. */
function callsAbout(sessionId) {
    const session = standin.session(sessionId);
    const sub = session?.subscription;
    return standin.requests.filter((r) => r.path.includes(sessionId) || (sub && r.path.includes(sub))).length;
}

/** HITS hits of the thank-you page, ten at a time; every answer must be 200. */
async function hammer(path) {
    const started = Date.now();
    for (let i = 0; i < HITS; i += 10) {
        const answers = await Promise.all(Array.from({ length: 10 }, () => http(patron.base, 'GET', path)));
        for (const r of answers) assert.equal(r.status, 200, r.body.slice(0, 300));
    }
    return (Date.now() - started) / 1000;
}

test('a pending pledge: 50 hits of /thanks ask Stripe a bounded number of times', withLog(() => patron, async () => {
    const s = await support(patron, standin, { amount: '3' });
    assert.equal(s.status, 303, s.body);
    // The donor has not paid: the checkout is open and the pledge pending, so
    // the page may ask, but not once per hit.
    const path = `/thanks?pledge=${s.pledgeId}&session=${s.sessionId}`;
    const before = callsAbout(s.sessionId);
    const seconds = await hammer(path);
    const calls = callsAbout(s.sessionId) - before;
    const bound = 1 + Math.ceil(seconds / CHECK_SECONDS);
    assert.ok(calls >= 1, 'the page never asked about a pending pledge');
    assert.ok(calls <= bound, `${calls} API calls for ${HITS} hits in ${seconds.toFixed(1)} s (at most ${bound})`);
    assert.equal(pledgeRow(patron, s.pledgeId).status, 'pending');
}));

test('a paid pledge: the first hit confirms it, the next 50 are served from the ledger', withLog(() => patron, async () => {
    const s = await support(patron, standin, { amount: '4' });
    assert.equal(s.status, 303, s.body);
    standin.completeSession(s.sessionId, { email: 'thanks.once@example.org', deliver: false });
    const path = `/thanks?pledge=${s.pledgeId}&session=${s.sessionId}`;
    const first = await http(patron.base, 'GET', path);
    assert.equal(first.status, 200);
    assert.match(first.body, /data-status="active"/);
    const before = callsAbout(s.sessionId);
    assert.ok(before >= 1, 'the first hit did not ask Stripe');
    await hammer(path);
    assert.equal(callsAbout(s.sessionId) - before, 0, 'the ledger knew the outcome, yet Stripe was asked again');
    const again = await http(patron.base, 'GET', path);
    assert.match(again.body, /data-status="active"/);
}));

test('pending straight to past due (the renewal failed before the checkout\'s event came): one thank-you, one failure notice', withLog(() => patron, async () => {
    const email = 'due.first@example.org';
    const s = await support(patron, standin, { amount: '5' });
    assert.equal(s.status, 303, s.body);
    standin.autoDeliver = false;
    try {
        const done = standin.completeSession(s.sessionId, { email, deliver: false });
        const sub = standin.session(s.sessionId).subscription;
        const failed = standin.failInvoice(sub, { deliver: false });
        // Stripe promises no order: the failure's events come first.
        for (const e of failed.events) {
            const [r] = await standin.deliver(e);
            assert.equal(r.status, 200, r.body);
        }
        assert.equal(pledgeRow(patron, s.pledgeId).status, 'past_due');
        for (const e of done.events) {
            const [r] = await standin.deliver(e);
            assert.equal(r.status, 200, r.body);
        }
    } finally {
        standin.autoDeliver = true;
    }
    const to = (m) => m.envelope.to.includes(email);
    await smtp.waitFor((m) => to(m) && /^Thank you/.test(m.subject), { timeoutMs: 15_000 });
    await sleep(6000); // past the outbox's periodic sweep, so a second one would show
    const subjects = smtp.messages.filter(to).map((m) => m.subject.split(' — ')[0]).sort();
    assert.equal(subjects.filter((x) => /^Thank you/.test(x)).length, 1, JSON.stringify(subjects));
    assert.equal(subjects.filter((x) => /^Your payment did not go through/.test(x)).length, 1, JSON.stringify(subjects));
}));
