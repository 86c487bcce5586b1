// /v1/events against a flood (issue 16, item 13: 63,300 fake impressions in
// 3 s poisoned an A/B test): batches per client are limited (429 past the
// limit), a batch counts at most a plausible number of one kind for one
// variant, the counts stay bounded, and the reports say a burst was refused.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addUser, signedIn, startPatron, stopClean, textOf, withLog } from './dashboard-lib.mjs';
import { ADMIN_TOKEN, http } from '../payments/lib.mjs';

const VIEWER = 'vi.viewer@newsroom.example';
const PER_MINUTE = 20;
const PER_BATCH = 10; // events_per_variant_per_batch's default
let patron;

before(async () => {
    patron = await startPatron({
        stripe: null, seedDemo: true, label: 'events-limits',
        config: { client_address_header: 'X-Client', event_batches_per_minute: String(PER_MINUTE), events_flush_interval_ms: '200' },
    });
    addUser(patron, VIEWER, 'viewer');
});

after(async () => {
    await stopClean(patron);
});

const impressions = (n, variant = 'a') => ({ events: Array.from({ length: n }, () => ({ kind: 'impression', campaign: 'demo-2026', variant })) });

function post(value, client) {
    return http(patron.base, 'POST', '/v1/events', {
        body: JSON.stringify(value),
        headers: { 'Content-Type': 'text/plain', 'X-Client': client },
    });
}

/** Impressions and refused events written so far (GET /v1/stats flushes first). */
async function counted() {
    const r = await http(patron.base, 'GET', '/v1/stats', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(r.status, 200, r.body);
    const sum = (kind) => JSON.parse(r.body).counts.filter((c) => c.kind === kind && c.campaign === 'demo-2026').reduce((a, c) => a + c.count, 0);
    return { impressions: sum('impression'), refused: sum('refused') };
}

test('one batch counts at most a plausible number of one kind for one variant', withLog(() => patron, async () => {
    const before = await counted();
    const r = await post(impressions(100), 'one-page');
    assert.equal(r.status, 202, r.body);
    assert.deepEqual(JSON.parse(r.body), { accepted: PER_BATCH, ignored: 100 - PER_BATCH });
    // A page's real batch (an impression, a click, a snooze) is counted whole.
    const page = await post({ events: [
        { kind: 'impression', campaign: 'demo-2026', variant: 'a' },
        { kind: 'click', campaign: 'demo-2026', variant: 'a' },
        { kind: 'snooze_later', campaign: 'demo-2026', variant: 'a' },
    ] }, 'one-page');
    assert.deepEqual(JSON.parse(page.body), { accepted: 3, ignored: 0 });
    const after = await counted();
    assert.equal(after.impressions - before.impressions, PER_BATCH + 1);
    assert.equal(after.refused - before.refused, 100 - PER_BATCH);
}));

test('a flood from one client is refused with 429 past its limit; the counts stay bounded; others are still counted', withLog(() => patron, async () => {
    const before = await counted();
    const started = Date.now();
    const statuses = [];
    let accepted = 0;
    const BATCHES = 300;
    for (let i = 0; i < BATCHES; i += 20) {
        const answers = await Promise.all(Array.from({ length: 20 }, () => post(impressions(100), 'flooder')));
        for (const r of answers) {
            statuses.push(r.status);
            if (r.status === 202) accepted += JSON.parse(r.body).accepted;
            else {
                assert.equal(r.status, 429, r.body);
                assert.ok(Number(r.headers.get('retry-after')) > 0, 'no Retry-After on a 429');
                assert.match(JSON.parse(r.body).error.message ?? r.body, /Too many/);
            }
        }
    }
    const seconds = (Date.now() - started) / 1000;
    // The bucket holds PER_MINUTE batches and refills PER_MINUTE a minute.
    const allowedBatches = PER_MINUTE + Math.ceil(seconds / 60 * PER_MINUTE);
    const ok = statuses.filter((s) => s === 202).length;
    assert.ok(ok <= allowedBatches, `${ok} batches taken in ${seconds.toFixed(1)} s (at most ${allowedBatches})`);
    assert.ok(statuses.filter((s) => s === 429).length >= BATCHES - allowedBatches, 'the flood was not refused');
    assert.ok(accepted <= allowedBatches * PER_BATCH, `${accepted} impressions counted`);

    // Another reader, meanwhile, is counted as usual.
    const reader = await post(impressions(1), 'a-reader');
    assert.equal(reader.status, 202, reader.body);
    assert.deepEqual(JSON.parse(reader.body), { accepted: 1, ignored: 0 });

    const after = await counted();
    const grew = after.impressions - before.impressions;
    assert.equal(grew, accepted + 1, 'what was answered as accepted is what was counted');
    assert.ok(grew <= allowedBatches * PER_BATCH + 1, `${grew} impressions counted from a flood of ${BATCHES * 100}`);
    assert.ok(after.refused - before.refused >= (BATCHES - allowedBatches) * 100, 'the refused events were not counted as refused');
}));

test('the reports flag the refused burst: the funnel chart, the tables and the CSVs', withLog(() => patron, async () => {
    const c = await signedIn(patron, VIEWER);
    const page = await c.get('/dashboard/reports');
    assert.equal(page.status, 200);
    const text = textOf(page.body);
    assert.match(text, /Bursts refused: [\d,]+ events for this campaign/);
    assert.match(page.body, /Events refused \(bursts\)/);
    assert.match(page.body, /reports-flag[^>]*>\(burst\)/);

    const funnel = await c.get('/dashboard/reports/funnel.csv');
    assert.equal(funnel.status, 200);
    const [head, ...rows] = funnel.body.trim().split(/\r\n/);
    const col = head.split(',').indexOf('events_refused');
    assert.ok(col > 0, head);
    const a = rows.find((r) => r.startsWith('demo-2026,a,'));
    assert.ok(a, funnel.body);
    assert.ok(Number(a.split(',')[col]) > 0, `no refused events for demo-2026/a: ${a}`);

    const daily = await c.get('/dashboard/reports/daily.csv');
    const [dhead, ...days] = daily.body.trim().split(/\r\n/);
    const dcol = dhead.split(',').indexOf('events_refused');
    const today = new Date().toISOString().slice(0, 10);
    const row = days.find((r) => r.startsWith(today));
    assert.ok(row, daily.body);
    assert.ok(Number(row.split(',')[dcol]) > 0, `today's refused events: ${row}`);
}));
