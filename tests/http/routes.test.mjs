// Happy paths of every route other than POST /v1/appeal (docs/API.md).
// Tests in this file run in order and share one server: the counts checked by
// /v1/stats are the ones sent by the events tests before it.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    withStatement, startServer, stopAndAssertClean, suite, request, postJson, postForm, assertJson,
    assertJsonError, assertHtml, assertContentType, appealBody, sqlite, sleep, utcDay,
    parseMetrics, metricSum, ADMIN_TOKEN,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'routes' }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

const CAMPAIGN = 'demo-2026';
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const ev = (kind, campaign = CAMPAIGN, variant = 'a') => ({ kind, campaign, variant });

async function stats() {
    const r = await request(srv, 'GET', '/v1/stats', { headers: auth });
    const j = assertJson(r, 200);
    assert.ok(Array.isArray(j.counts), `stats must have a counts array: ${r.body}`);
    return j.counts;
}

function countOf(counts, kind, { campaign = CAMPAIGN, variant = 'a', day = utcDay() } = {}) {
    return counts
        .filter((c) => c.day === day && c.campaign === campaign && c.variant === variant && c.kind === kind)
        .reduce((a, c) => a + c.count, 0);
}

async function metrics() {
    const r = await request(srv, 'GET', '/metrics', { headers: auth });
    assert.equal(r.status, 200, r.body.slice(0, 300));
    assertContentType(r, /^text\/plain\b/i);
    return { text: r.body, samples: parseMetrics(r.body) };
}

/* ---- /healthz ---------------------------------------------------------- */

t('GET /healthz answers {"status":"ok","catalog_campaigns":1}', async () => {
    const r = await request(srv, 'GET', '/healthz');
    const j = assertJson(r, 200);
    assert.equal(j.status, 'ok', r.body);
    assert.equal(j.catalog_campaigns, 1, r.body);
});

/* ---- /v1/events and /v1/stats ------------------------------------------ */

t('POST /v1/events answers 202 with accepted and ignored counts', async () => {
    const r = await postJson(srv, '/v1/events', {
        events: [ev('impression'), ev('impression'), ev('click'),
            ev('impression', 'no-such-campaign'), ev('impression', CAMPAIGN, 'zz')],
    });
    assert.deepEqual(assertJson(r, 202), { accepted: 3, ignored: 2 });
});

t('POST /v1/events accepts text/plain (sendBeacon) and every kind', async () => {
    const r = await postJson(srv, '/v1/events', JSON.stringify({
        events: [ev('impression'), ev('snooze_later'), ev('snooze_close'), ev('snooze_supporting')],
    }), { contentType: 'text/plain;charset=UTF-8' });
    assert.deepEqual(assertJson(r, 202), { accepted: 4, ignored: 0 });
});

t('POST /v1/events with only unknown campaigns accepts none', async () => {
    const r = await postJson(srv, '/v1/events', { events: [ev('click', 'nope'), ev('impression', 'nope', 'b')] });
    assert.deepEqual(assertJson(r, 202), { accepted: 0, ignored: 2 });
});

t('GET /v1/stats without a token is 401', async () => {
    const r = await request(srv, 'GET', '/v1/stats');
    assertJsonError(r, 401);
});

t('GET /v1/stats with a wrong token is 401', async () => {
    for (const value of ['Bearer wrong-token', `Bearer ${ADMIN_TOKEN}-`, `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(ADMIN_TOKEN).toString('base64')}`, ADMIN_TOKEN, 'Bearer ']) {
        const r = await request(srv, 'GET', '/v1/stats', { headers: { Authorization: value } });
        assertJsonError(r, 401);
    }
});

t('GET /v1/stats with the token shows the counts just sent, nothing for unknown campaigns', async () => {
    const counts = await stats();
    for (const c of counts) {
        assert.deepEqual(Object.keys(c).sort(), ['campaign', 'count', 'day', 'kind', 'variant'], JSON.stringify(c));
    }
    assert.equal(countOf(counts, 'impression'), 3, JSON.stringify(counts));
    assert.equal(countOf(counts, 'click'), 1, JSON.stringify(counts));
    assert.equal(countOf(counts, 'snooze_later'), 1, JSON.stringify(counts));
    assert.equal(countOf(counts, 'snooze_close'), 1, JSON.stringify(counts));
    assert.equal(countOf(counts, 'snooze_supporting'), 1, JSON.stringify(counts));
    const stray = counts.filter((c) => c.campaign !== CAMPAIGN || c.variant !== 'a');
    assert.deepEqual(stray, [], 'events for unknown campaigns or variants must never be stored');
});

t('counts are flushed to event_counts and not double-counted by /v1/stats', async () => {
    // events_flush_interval_ms = 200: wait for a flush (bounded).
    let rows = [];
    for (let i = 0; i < 30; i++) {
        rows = sqlite(srv, `SELECT kind, SUM(count) FROM event_counts WHERE campaign='${CAMPAIGN}' AND variant='a' AND day='${utcDay()}' GROUP BY kind ORDER BY kind`);
        if (rows.find((r) => r[0] === 'impression')?.[1] === '3') break;
        await sleep(200);
    }
    assert.deepEqual(rows, [['click', '1'], ['impression', '3'], ['snooze_close', '1'], ['snooze_later', '1'], ['snooze_supporting', '1']]);
    const stray = sqlite(srv, `SELECT campaign, variant, kind FROM event_counts WHERE campaign<>'${CAMPAIGN}' OR variant<>'a'`);
    assert.deepEqual(stray, [], 'ignored events reached the database');
    const counts = await stats();
    assert.equal(countOf(counts, 'impression'), 3, JSON.stringify(counts));
    assert.equal(countOf(counts, 'click'), 1, JSON.stringify(counts));
    // More after the flush: in memory plus written.
    assert.deepEqual(assertJson(await postJson(srv, '/v1/events', { events: [ev('impression'), ev('impression')] }), 202),
        { accepted: 2, ignored: 0 });
    assert.equal(countOf(await stats(), 'impression'), 5);
});

/* ---- /embed/appeal and /embed/dismiss ---------------------------------- */

t('GET /embed/appeal answers an HTML document with the fragment and a frame-ancestors CSP', async () => {
    const r = await request(srv, 'GET', '/embed/appeal?article=demo-article&lang=en');
    const body = assertHtml(r, 200);
    assert.match(body, /^\s*<!doctype html>/i, 'a complete HTML document');
    assert.match(body, /<\/html>\s*$/i);
    assert.match(body, /class="patron-appeal"/);
    assert.match(body, /data-campaign="demo-2026"/);
    assert.match(body, /lang="en"/);
    assert.match(body, /<link[^>]+href="[^"]*\/appeal\.css"/, 'links to /appeal.css');
    assert.doesNotMatch(body, /<script/i, 'no script');
    assert.ok(body.includes(`action="${srv.base}/embed/dismiss"`), 'dismiss form posts to PUBLIC_URL/embed/dismiss');
    const csp = r.headers['content-security-policy'];
    assert.ok(csp, 'Content-Security-Policy header present');
    assert.match(csp, /frame-ancestors 'self'/, `CSP: ${csp}`);
});

t('GET /embed/appeal in Russian, with section and tags', async () => {
    const r = await request(srv, 'GET', '/embed/appeal?article=demo-article&section=investigations&tags=courts,press-freedom&lang=ru');
    const body = assertHtml(r, 200);
    assert.match(body, /class="patron-appeal"[^>]*lang="ru"|lang="ru"[^>]*class="patron-appeal"|<section[^>]+lang="ru"/);
});

t('GET /embed/appeal in a language no campaign speaks is an empty document, 200', async () => {
    const r = await request(srv, 'GET', '/embed/appeal?article=demo-article&lang=de');
    const body = assertHtml(r, 200);
    assert.match(body, /^\s*<!doctype html>/i);
    assert.doesNotMatch(body, /patron-appeal/);
    assert.match(r.headers['content-security-policy'] ?? '', /frame-ancestors 'self'/);
});

t('query and form values are escaped, never reflected as markup', async () => {
    const evil = '"><script>alert(1)</script><b x="';
    const q = encodeURIComponent(evil);
    const pages = [
        await request(srv, 'GET', `/embed/appeal?article=${q}&section=${q}&tags=${q}&lang=${q}`),
        await request(srv, 'GET', `/embed/appeal?article=demo-article&section=${q}&tags=${q},x&lang=en`),
        await request(srv, 'GET', `/support?campaign=${q}&variant=${q}&lang=${q}&currency=${q}&frequency=${q}&amount=${q}&other_amount=${q}`),
        await postForm(srv, '/support', { campaign: evil, variant: evil, lang: 'en', currency: 'USD', frequency: 'monthly', amount: 'other', other_amount: evil }),
        await postForm(srv, '/embed/dismiss', { campaign: evil, variant: evil, lang: evil, reason: 'later' }),
    ];
    for (const r of pages) {
        assert.ok(r.status < 500, `status ${r.status}`);
        assert.doesNotMatch(r.body, /<script>alert|<b x=/, r.body.slice(0, 500));
    }
});

t('POST /embed/dismiss answers a short thank-you document and counts a snooze', async () => {
    const before = countOf(await stats(), 'snooze_later');
    const r = await postForm(srv, '/embed/dismiss', { campaign: CAMPAIGN, variant: 'a', lang: 'en', reason: 'later' });
    const body = assertHtml(r, 200);
    assert.match(body, /thank you/i);
    assert.match(body, /<html/i);
    const after = countOf(await stats(), 'snooze_later');
    assert.equal(after, before + 1, 'the dismiss counts one snooze_later');
});

t('POST /embed/dismiss with reason close and supporting', async () => {
    for (const reason of ['close', 'supporting']) {
        const kind = `snooze_${reason}`;
        const before = countOf(await stats(), kind);
        const r = await postForm(srv, '/embed/dismiss', { campaign: CAMPAIGN, variant: 'a', lang: 'ru', reason });
        assertHtml(r, 200);
        assert.equal(countOf(await stats(), kind), before + 1, kind);
    }
});

/* ---- /metrics ----------------------------------------------------------- */

t('GET /metrics is Prometheus text with every metric from API.md', async () => {
    // Something for each metric to count.
    await postJson(srv, '/v1/appeal', appealBody());
    await postJson(srv, '/v1/appeal', appealBody({ article: { opt_out: true } }));
    const { text, samples } = await metrics();
    for (const name of ['patron_http_requests_total', 'patron_appeals_served_total', 'patron_appeals_none_total',
        'patron_events_accepted_total', 'patron_events_flushed_total']) {
        assert.ok(samples.some((s) => s.name === name), `metric ${name} missing:\n${text}`);
        assert.match(text, new RegExp(`^# TYPE ${name} counter$`, 'm'), `# TYPE line for ${name}`);
    }
    assert.match(text, /^# TYPE patron_http_request_duration_seconds histogram$/m);
    for (const suffix of ['_bucket', '_sum', '_count']) {
        assert.ok(samples.some((s) => s.name === `patron_http_request_duration_seconds${suffix}`),
            `patron_http_request_duration_seconds${suffix} missing`);
    }
    assert.ok(samples.some((s) => s.name === 'patron_http_request_duration_seconds_bucket' && s.labels.le === '+Inf'),
        'histogram has an le="+Inf" bucket');
    const bad = samples.filter((s) => s.name === null || Number.isNaN(s.value));
    assert.deepEqual(bad.map((s) => s.line), [], 'every line parses as a sample');
    const req = samples.filter((s) => s.name === 'patron_http_requests_total');
    for (const s of req) {
        assert.ok('route' in s.labels && 'status' in s.labels, `route and status labels: ${s.line}`);
    }
    assert.ok(metricSum(samples, 'patron_appeals_served_total') >= 1);
    assert.ok(metricSum(samples, 'patron_appeals_none_total', (l) => l.reason === 'opted_out') >= 1,
        'patron_appeals_none_total{reason="opted_out"}');
    assert.ok(metricSum(samples, 'patron_events_accepted_total') >= 9, 'events accepted so far');
});

t('request counters increase', async () => {
    const isHealthz = (l) => /healthz/.test(l.route ?? '') && l.status === '200';
    const before = (await metrics()).samples;
    for (let i = 0; i < 3; i++) assert.equal((await request(srv, 'GET', '/healthz')).status, 200);
    await postJson(srv, '/v1/appeal', appealBody());
    await postJson(srv, '/v1/events', { events: [ev('click')] });
    await sleep(600); // a flush
    const after = (await metrics()).samples;
    const d = (name, pred) => metricSum(after, name, pred) - metricSum(before, name, pred);
    assert.ok(d('patron_http_requests_total', isHealthz) >= 3, 'patron_http_requests_total{route=~healthz,status="200"} grew by 3');
    assert.ok(d('patron_http_requests_total') >= 6, 'patron_http_requests_total grew');
    assert.ok(d('patron_http_request_duration_seconds_count') >= 6, 'histogram count grew');
    assert.equal(d('patron_appeals_served_total'), 1);
    assert.equal(d('patron_events_accepted_total'), 1);
    assert.ok(d('patron_events_flushed_total') >= 1, 'flushed grew after a flush');
});

/* ---- static files and demo pages --------------------------------------- */

t('GET /widget.js', async () => {
    const r = await request(srv, 'GET', '/widget.js');
    assert.equal(r.status, 200);
    assertContentType(r, /^(text|application)\/javascript\b/i);
    assert.ok(r.raw.length > 100, 'a real script');
});

t('GET /appeal.css', async () => {
    const r = await request(srv, 'GET', '/appeal.css');
    assert.equal(r.status, 200);
    assertContentType(r, /^text\/css\b/i);
    assert.match(r.body, /\.patron-appeal/);
});

t('GET / and GET /ru are the demo articles', async () => {
    const en = assertHtml(await request(srv, 'GET', '/'), 200);
    assert.match(en, /<html[^>]*lang="en"/i);
    assert.match(en, /widget\.js/);
    const ru = assertHtml(await request(srv, 'GET', '/ru'), 200);
    assert.match(ru, /<html[^>]*lang="ru"/i);
    const css = await request(srv, 'GET', '/demo.css');
    assert.equal(css.status, 200);
    assertContentType(css, /^text\/css\b/i);
});

t('stylesheets linked from the pages are served', async () => {
    const pages = ['/embed/appeal?article=demo-article&lang=en', '/support?lang=en', '/', '/ru'];
    const hrefs = new Set();
    for (const p of pages) {
        const r = await request(srv, 'GET', p);
        for (const m of r.body.matchAll(/<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"|<link[^>]+href="([^"]+)"[^>]*rel="stylesheet"/g)) hrefs.add(m[1] ?? m[2]);
    }
    assert.ok(hrefs.size >= 2, `stylesheets found: ${[...hrefs]}`);
    for (const href of hrefs) {
        const u = new URL(href, srv.base);
        assert.equal(u.origin, srv.base, `stylesheet on another origin: ${href}`);
        const r = await request(srv, 'GET', u.pathname + u.search);
        assert.equal(r.status, 200, `${href}: ${r.status}`);
        assertContentType(r, /^text\/css\b/i);
    }
});

/* ---- /support ---------------------------------------------------------- */

const pledgeCount = () => Number(sqlite(srv, 'SELECT COUNT(*) FROM pledges')[0][0]);
const pledgeIds = () => new Set(sqlite(srv, 'SELECT id FROM pledges').map((r) => r[0]));
const newPledges = (beforeIds) => sqlite(srv, 'SELECT id, status, frequency, amount_minor, currency, campaign, variant, language FROM pledges')
    .filter((r) => !beforeIds.has(r[0]))
    .map(([, status, frequency, amount_minor, currency, campaign, variant, language]) =>
        ({ status, frequency, amount_minor: Number(amount_minor), currency, campaign, variant, language }));
const form = (fields) => ({ campaign: CAMPAIGN, variant: 'a', lang: 'en', currency: 'USD', frequency: 'monthly', ...fields });

async function supportRejected(fields, messageRe, what) {
    const before = pledgeCount();
    const r = await postForm(srv, '/support', form(fields));
    const body = assertHtml(r, 422);
    assert.match(body, /<form/i, `${what}: the form again`);
    assert.match(body, messageRe, `${what}: message`);
    assert.equal(pledgeCount(), before, `${what}: nothing stored`);
}

async function supportAccepted(fields, expected, what) {
    const beforeIds = pledgeIds();
    const r = await postForm(srv, '/support', await withStatement(srv, form(fields)));
    const body = assertHtml(r, 201);
    assert.match(body, /pending|recorded|saved|received/i, `${what}: says the pledge is recorded as pending`);
    assert.match(body, /not (yet )?(been )?set up|not set up yet/i, `${what}: says payments are not set up`);
    assert.match(body, /nothing (was|has been|is) charged|no(thing| money)[^.]{0,40}charged/i, `${what}: says nothing was charged`);
    assert.deepEqual(newPledges(beforeIds), [{
        status: 'pending', campaign: CAMPAIGN, variant: 'a', language: 'en', frequency: 'monthly', currency: 'USD', ...expected,
    }], `${what}: exactly one new pending pledge`);
}

t('GET /support shows the form', async () => {
    const r = await request(srv, 'GET', '/support?campaign=demo-2026&variant=a&lang=en&currency=USD&frequency=monthly&amount=5');
    const body = assertHtml(r, 200);
    assert.match(body, /<form[^>]+method="post"/i);
    assert.match(body, /name="amount_monthly"/);
    assert.match(body, /name="frequency"/);
    const ru = await request(srv, 'GET', '/support?lang=ru');
    assert.match(assertHtml(ru, 200), /lang="ru"/);
});

t('POST /support: monthly 1 USD is 422 with a message about the minimum, nothing stored', async () => {
    await supportRejected({ amount: '1' }, /minimum|at least/i, 'monthly 1 USD');
});

t('POST /support: annual 1 USD is 422', async () => {
    await supportRejected({ frequency: 'annual', amount: '1' }, /minimum|at least/i, 'annual 1 USD');
});

t('POST /support: monthly 2 USD is 201 and a pending pledge of 200 minor units', async () => {
    await supportAccepted({ amount: '2' }, { amount_minor: 200 }, 'monthly 2 USD');
});

t('POST /support: one-off 1 USD is accepted', async () => {
    await supportAccepted({ frequency: 'one_off', amount: '1' }, { frequency: 'one_off', amount_minor: 100 }, 'one-off 1 USD');
});

t('POST /support: 5.50 and other_amount', async () => {
    await supportAccepted({ frequency: 'annual', amount: '5.50' }, { frequency: 'annual', amount_minor: 550 }, 'annual 5.50');
    await supportAccepted({ amount: 'other', other_amount: '7.25' }, { amount_minor: 725 }, 'other 7.25');
});

t('POST /support: 2.555 is 422 (a fraction of a cent)', async () => {
    await supportRejected({ amount: '2.555' }, /cent|minor unit|whole|decimal|amount/i, '2.555 USD');
});

t('POST /support: currency XXX is 422', async () => {
    await supportRejected({ currency: 'XXX', amount: '5' }, /currency/i, 'XXX');
});

t('POST /support: over max_amount (2000) is 422; 2000 is accepted', async () => {
    await supportRejected({ amount: '2001' }, /at most|maximum|no more than|2[ ,.]?000/i, '2001 USD');
    await supportRejected({ amount: 'other', other_amount: '1000000000000000000000' }, /amount|at most|maximum|too (large|big|much)/i, 'huge');
    await supportAccepted({ amount: '2000' }, { amount_minor: 200000 }, '2000 USD');
});

t('POST /support: JPY 500 is 500 minor units; JPY 1.5 is 422', async () => {
    await supportAccepted({ currency: 'JPY', frequency: 'one_off', amount: '500' },
        { currency: 'JPY', frequency: 'one_off', amount_minor: 500 }, 'JPY 500');
    await supportRejected({ currency: 'JPY', frequency: 'one_off', amount: '500.5' }, /yen|minor unit|whole|decimal|amount/i, 'JPY 500.5');
});

t('POST /support: bad amounts and frequencies are 422', async () => {
    for (const [fields, what] of [
        [{ amount: '' }, 'empty amount'],
        [{ amount: 'abc' }, 'letters'],
        [{ amount: '-5' }, 'negative'],
        [{ amount: '0' }, 'zero'],
        [{ amount: 'other', other_amount: '' }, 'other without other_amount'],
        [{ frequency: 'weekly', amount: '5' }, 'unknown frequency'],
    ]) {
        const before = pledgeCount();
        const r = await postForm(srv, '/support', form(fields));
        assert.equal(r.status, 422, `${what}: ${r.status} ${r.body.slice(0, 300)}`);
        assertContentType(r, /^text\/html\b/i);
        assert.equal(pledgeCount(), before, `${what}: nothing stored`);
    }
});

t('the server answers after all of this', async () => {
    const j = assertJson(await request(srv, 'GET', '/healthz'), 200);
    assert.equal(j.status, 'ok');
    assert.equal(j.catalog_campaigns, 1);
});
