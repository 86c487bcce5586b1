// POST /v1/appeal: which appeal a reader sees (docs/API.md).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopAndAssertClean, suite, postJson, assertJson, appealBody,
    nowSeconds, DAY,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'appeal' }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

const CAMPAIGN = 'demo-2026';

async function appeal(body, contentType) {
    const r = await postJson(srv, '/v1/appeal', body, contentType ? { contentType } : {});
    return assertJson(r, 200);
}

async function assertShown(body, what) {
    const j = await appeal(body);
    assert.ok(j.appeal && typeof j.appeal === 'object',
        `${what}: expected an appeal, got ${JSON.stringify(j)}`);
    assert.equal(j.appeal.campaign, CAMPAIGN, what);
    return j.appeal;
}

async function assertNone(body, reason, what) {
    const j = await appeal(body);
    assert.deepEqual(j, { appeal: null, reason }, `${what}: ${JSON.stringify(j)}`);
}

t('a fresh reader gets the demo appeal', async () => {
    const a = await assertShown(appealBody(), 'fresh reader');
    assert.equal(a.variant, 'a');
    assert.equal(a.language, 'en');
    assert.equal(typeof a.html, 'string');
    assert.match(a.html, /class="patron-appeal"/);
    assert.match(a.html, /data-campaign="demo-2026"/);
    assert.match(a.html, /data-variant="a"/);
    assert.match(a.html, /lang="en"/);
    assert.deepEqual(Object.keys(a).sort(), ['campaign', 'html', 'language', 'remind', 'variant']);
    assert.equal(a.remind, false, 'this server has no email: no reminder is offered');
});

t('the fragment links to PUBLIC_URL and carries the widget hooks', async () => {
    const a = await assertShown(appealBody(), 'fresh reader');
    assert.ok(a.html.includes(`action="${srv.base}/embed/dismiss"`), `dismiss form must post to ${srv.base}/embed/dismiss:\n${a.html}`);
    assert.ok(a.html.includes(`action="${srv.base}/support"`), `support form must go to ${srv.base}/support:\n${a.html}`);
    for (const action of ['close', 'support', 'later', 'supporting']) {
        assert.ok(a.html.includes(`data-patron-action="${action}"`), `missing data-patron-action="${action}"`);
    }
    // Monthly presets 2/5/10, 5 preselected, USD; the other frequencies have
    // ladders of their own, never "$2 a year".
    assert.match(a.html, /name="amount_monthly" value="2"/);
    assert.match(a.html, /name="amount_monthly" value="5" checked/);
    assert.match(a.html, /name="amount_monthly" value="10"/);
    assert.doesNotMatch(a.html, /name="amount_annual" value="2"/);
    assert.match(a.html, /<fieldset class="patron-amounts" data-frequency="annual">/);
    assert.match(a.html, /name="currency" value="USD"/);
    // A chosen amount goes straight on: the form posts.
    assert.match(a.html, /<form class="patron-form" method="post"/);
});

t('a full request as in API.md is accepted', async () => {
    const now = nowSeconds();
    await assertShown({
        article: { id: 'demo-article', section: 'investigations', tags: ['courts', 'press-freedom'], language: 'en', opt_out: false },
        reader: {
            bucket: 1234567890, supporter: false,
            views: [{ campaign: CAMPAIGN, at: now - 40 * DAY }],
            snoozes: [{ campaign: CAMPAIGN, reason: 'later', at: now - 10 * DAY }],
            weeks: [{ week: Math.floor(now / 604800), count: 3 }],
        },
    }, 'example from API.md');
});

t('a Russian article gets the Russian appeal', async () => {
    const a = await assertShown(appealBody({ article: { language: 'ru' } }), 'ru article');
    assert.equal(a.language, 'ru');
    assert.match(a.html, /lang="ru"/);
    assert.match(a.html, /name="lang" value="ru"/);
});

t('text/plain bodies (sendBeacon, no preflight) are accepted', async () => {
    const j = await appeal(JSON.stringify(appealBody()), 'text/plain;charset=UTF-8');
    assert.equal(j.appeal?.campaign, CAMPAIGN, JSON.stringify(j));
});

t('the same bucket gets the same variant across calls', async () => {
    for (const bucket of [0, 1, 77, 2147483648, 4294967295]) {
        const seen = new Set();
        for (let i = 0; i < 4; i++) {
            const a = await assertShown(appealBody({ reader: { bucket } }), `bucket ${bucket}`);
            seen.add(a.variant);
        }
        assert.equal(seen.size, 1, `bucket ${bucket} got variants ${[...seen]}`);
    }
});

t('opt_out: true gives {"appeal":null,"reason":"opted_out"}', async () => {
    await assertNone(appealBody({ article: { opt_out: true } }), 'opted_out', 'opt_out');
});

t('opt_out: false still shows the appeal', async () => {
    await assertShown(appealBody({ article: { opt_out: false } }), 'opt_out false');
});

t('a supporter gets reason "supporter"', async () => {
    await assertNone(appealBody({ reader: { supporter: true } }), 'supporter', 'supporter');
});

t('a "later" snooze 1 day ago snoozes; 4 days ago it does not', async () => {
    const now = nowSeconds();
    await assertNone(appealBody({ reader: { snoozes: [{ campaign: CAMPAIGN, reason: 'later', at: now - 1 * DAY }] } }),
        'snoozed', 'later 1 day ago');
    await assertShown(appealBody({ reader: { snoozes: [{ campaign: CAMPAIGN, reason: 'later', at: now - 4 * DAY }] } }),
        'later 4 days ago');
});

t('a snooze hides every campaign, not only the one it names', async () => {
    const now = nowSeconds();
    await assertNone(appealBody({ reader: { snoozes: [{ campaign: 'some-other-campaign', reason: 'later', at: now - DAY }] } }),
        'snoozed', 'later snooze on another campaign');
});

t('"close" lasts 14 days and "supporting" 365 days', async () => {
    const now = nowSeconds();
    const snooze = (reason, days) => appealBody({ reader: { snoozes: [{ campaign: CAMPAIGN, reason, at: now - days * DAY }] } });
    await assertNone(snooze('close', 13), 'snoozed', 'close 13 days ago');
    await assertShown(snooze('close', 15), 'close 15 days ago');
    await assertNone(snooze('supporting', 364), 'snoozed', 'supporting 364 days ago');
    await assertShown(snooze('supporting', 366), 'supporting 366 days ago');
});

t('4 views in the last 30 days cap the campaign; 4 views 31 days ago do not', async () => {
    const now = nowSeconds();
    const views = (ages) => appealBody({ reader: { views: ages.map((d) => ({ campaign: CAMPAIGN, at: now - d * DAY })) } });
    await assertNone(views([1, 2, 3, 4]), 'capped', '4 recent views');
    await assertNone(views([0.1, 5, 20, 29]), 'capped', '4 views within 30 days');
    await assertShown(views([31, 31, 31, 31]), '4 views 31 days ago');
    await assertShown(views([1, 2, 3]), '3 recent views');
    await assertShown(views([1, 2, 3, 31]), '3 recent views and one 31 days ago');
});

t('bucket 0 and 4294967295 are valid', async () => {
    await assertShown(appealBody({ reader: { bucket: 0 } }), 'bucket 0');
    await assertShown(appealBody({ reader: { bucket: 4294967295 } }), 'bucket 4294967295');
});

t('limits at their maximum are accepted (128-byte id, 16 tags, 50 views, 20 snoozes, 60 weeks)', async () => {
    const now = nowSeconds();
    const week = Math.floor(now / 604800);
    await assertShown({
        article: {
            id: 'x'.repeat(128), section: 's'.repeat(64), language: 'en',
            tags: Array.from({ length: 16 }, (_, i) => `${i}`.padEnd(64, 't')),
        },
        reader: {
            bucket: 42,
            views: Array.from({ length: 50 }, () => ({ campaign: 'old', at: now - 100 * DAY })),
            snoozes: Array.from({ length: 20 }, () => ({ campaign: CAMPAIGN, reason: 'later', at: now - 100 * DAY })),
            weeks: Array.from({ length: 60 }, (_, i) => ({ week: week - i, count: 1 })),
        },
    }, 'maximum sizes');
});

t('application/json with a charset parameter is accepted', async () => {
    const j = await appeal(JSON.stringify(appealBody()), 'application/json; charset=utf-8');
    assert.equal(j.appeal?.campaign, CAMPAIGN, JSON.stringify(j));
});

t('an article in a language no campaign speaks gets reason "no_campaign"', async () => {
    // The demo campaign speaks en and ru only.
    await assertNone(appealBody({ article: { language: 'de' } }), 'no_campaign', 'German article');
});

t('the reader state does not leak into the fragment', async () => {
    const a = await assertShown(appealBody({ article: { id: '<b>x</b>', section: '"><i>', tags: ['<script>'] } }), 'markup in article fields');
    assert.doesNotMatch(a.html, /<script|<b>x|"><i>/);
});
