// The admin API (docs/API.md "The admin API") and the catalogue's hot swap.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import {
    startServer, stopAndAssertClean, suite, request, postJson, assertJson, assertJsonError,
    appealBody, ADMIN_TOKEN, sleep, sqlite,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'admin', config: { catalog_check_interval: '1' } }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

const AUTH = { Authorization: `Bearer ${ADMIN_TOKEN}` };

function admin(method, path, value) {
    const body = value === undefined ? undefined
        : (typeof value === 'string' ? value : JSON.stringify(value));
    const headers = { ...AUTH };
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = Buffer.byteLength(body);
    }
    return request(srv, method, path, { headers, body });
}

/* Another process writing the database behind patron's back. */
function write(sql) {
    const r = spawnSync('sqlite3', [srv.db, sql], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, `sqlite3 failed on ${sql}: ${r.stderr}`);
}

const campaignCount = () => sqlite(srv, 'SELECT count(*) FROM campaigns')[0][0];

function campaign(id, extra = {}) {
    return {
        id, status: 'live', priority: 50, languages: ['en'],
        variants: [{ id: 'x', text: { en: { headline: `Headline of ${id}` } } }],
        ...extra,
    };
}

async function shown(body = appealBody()) {
    const j = assertJson(await postJson(srv, '/v1/appeal', body), 200);
    return j.appeal;
}

t('every admin route refuses a missing or wrong token', async () => {
    for (const [method, path] of [['GET', '/v1/admin/campaigns'], ['GET', '/v1/admin/catalog'],
        ['PUT', '/v1/admin/catalog'], ['POST', '/v1/admin/campaigns'],
        ['GET', '/v1/admin/campaigns/demo-2026'], ['DELETE', '/v1/admin/campaigns/demo-2026'],
        ['POST', '/v1/admin/campaigns/demo-2026/end']]) {
        const none = await request(srv, method, path);
        assertJsonError(none, 401, /admin token/);
        const wrong = await request(srv, method, path, { headers: { Authorization: 'Bearer nope' } });
        assertJsonError(wrong, 401, /admin token/);
    }
    const still = await admin('GET', '/v1/admin/campaigns/demo-2026');
    assert.equal(still.status, 200, 'nothing was deleted or ended');
});

t('create, read, update, set live, end, delete: each in service at once', async () => {
    const created = await admin('POST', '/v1/admin/campaigns', campaign('spring', { status: 'draft' }));
    assert.equal(created.status, 201, created.body);
    assert.equal((await admin('POST', '/v1/admin/campaigns', campaign('spring'))).status, 409);
    assert.equal((await shown()).campaign, 'demo-2026', 'a draft is not shown');

    const live = await admin('POST', '/v1/admin/campaigns/spring/live');
    assert.equal(live.status, 200, live.body);
    assert.equal(JSON.parse(live.body).campaign.status, 'live');
    assert.equal((await shown()).campaign, 'spring', 'live, and above the demo by priority');

    const updated = await admin('PUT', '/v1/admin/campaigns/spring',
        campaign('spring', { variants: [{ id: 'y', text: { en: { headline: 'Changed' } } }] }));
    assert.equal(updated.status, 200, updated.body);
    const appeal = await shown();
    assert.equal(appeal.variant, 'y');
    assert.match(appeal.html, /Changed/);

    const got = assertJson(await admin('GET', '/v1/admin/campaigns/spring'), 200);
    assert.equal(got.campaign.variants[0].id, 'y');

    assert.equal((await admin('POST', '/v1/admin/campaigns/spring/end')).status, 200);
    assert.equal((await shown()).campaign, 'demo-2026', 'ended');
    assert.equal((await admin('DELETE', '/v1/admin/campaigns/spring')).status, 204);
    assert.equal((await admin('GET', '/v1/admin/campaigns/spring')).status, 404);
    assert.equal((await admin('DELETE', '/v1/admin/campaigns/spring')).status, 404);
});

t('every change through the admin API is in the audit log, refusals are not', async () => {
    const audit = () => sqlite(srv, "SELECT action, detail, coalesce(user_id, 'none') FROM audit_log ORDER BY id");
    const before = audit().length;
    assert.equal((await admin('POST', '/v1/admin/campaigns', campaign('audited', { status: 'draft' }))).status, 201);
    assert.equal((await admin('POST', '/v1/admin/campaigns', campaign('audited'))).status, 409);
    assert.equal((await admin('PUT', '/v1/admin/campaigns/audited', campaign('audited', { status: 'draft', priority: 7 }))).status, 200);
    assert.equal((await admin('PUT', '/v1/admin/campaigns/audited', campaign('audited', { languages: [] }))).status, 422);
    assert.equal((await admin('POST', '/v1/admin/campaigns/audited/live')).status, 200);
    assert.equal((await admin('POST', '/v1/admin/campaigns/audited/end')).status, 200);
    assert.equal((await admin('DELETE', '/v1/admin/campaigns/audited')).status, 204);
    const exported = assertJson(await admin('GET', '/v1/admin/catalog'), 200);
    assert.equal((await admin('PUT', '/v1/admin/catalog', exported)).status, 200);
    assert.equal((await admin('POST', '/v1/admin/editor-links?campaign=demo-2026')).status, 201);
    assert.deepEqual(audit().slice(before), [
        ['api_campaign_created', 'audited', 'none'],
        ['api_campaign_saved', 'audited', 'none'],
        ['api_campaign_live', 'audited', 'none'],
        ['api_campaign_ended', 'audited', 'none'],
        ['api_campaign_deleted', 'audited', 'none'],
        ['api_catalog_imported', `${exported.campaigns.length} campaign(s): ${exported.campaigns.map((c) => c.id).join(' ')}`, 'none'],
        ['api_editor_links', 'demo-2026', 'none'],
    ]);
});

t('invalid campaigns are refused with the field named, and nothing is half-saved', async () => {
    const before = campaignCount();
    const cases = [
        [campaign('bad', { languages: [] }), /at least one language/],
        [campaign('bad', { priority: 'high' }), /priority/],
        [campaign('bad', { colour: 'red' }), /unknown field "colour"/],
        [campaign('bad', { control_share: 2 }), /control_share/],
        [campaign('bad', { countries: ['usa'] }), /countries/],
        [{ ...campaign('bad'), variants: [{ id: 'x', presets: [1], text: { en: {} } }] }, /presets/],
    ];
    for (const [doc, message] of cases) {
        const r = await admin('PUT', '/v1/admin/campaigns/bad', doc);
        assertJsonError(r, 422, message);
    }
    assertJsonError(await admin('PUT', '/v1/admin/campaigns/bad', '{"id":'), 400, /invalid JSON/);
    assertJsonError(await admin('PUT', '/v1/admin/campaigns/other', campaign('bad')), 400, /differs/);
    assert.equal(campaignCount(), before);
    assert.equal((await shown()).campaign, 'demo-2026');
});

t('export and import the whole catalogue', async () => {
    const exported = assertJson(await admin('GET', '/v1/admin/catalog'), 200);
    assert.ok(exported.campaigns.some((c) => c.id === 'demo-2026'));
    const next = { campaigns: [...exported.campaigns, campaign('imported', { priority: 99 })] };
    const r = await admin('PUT', '/v1/admin/catalog', next);
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).imported, next.campaigns.length);
    assert.equal((await shown()).campaign, 'imported');
    // A catalogue with one bad campaign changes nothing at all.
    const bad = { campaigns: [campaign('fine'), campaign('broken', { languages: ['english!'] })] };
    assertJsonError(await admin('PUT', '/v1/admin/catalog', bad), 422, /broken/);
    assert.equal((await shown()).campaign, 'imported');
    // Importing the export restores it exactly.
    assert.equal((await admin('PUT', '/v1/admin/catalog', exported)).status, 200);
    assert.equal((await shown()).campaign, 'demo-2026');
    assert.deepEqual(assertJson(await admin('GET', '/v1/admin/catalog'), 200), exported);
});

t('a change made in the database by another process is picked up', async () => {
    // catalog_check_interval is 1 s in this server's config.
    const doc = JSON.stringify(campaign('outside', { priority: 77 })).replaceAll("'", "''");
    write(`INSERT INTO campaigns (id, document, updated_at) VALUES ('outside', '${doc}', 0)`);
    let campaignShown;
    for (let i = 0; i < 40 && campaignShown !== 'outside'; i++) {
        await sleep(100);
        campaignShown = (await shown()).campaign;
    }
    assert.equal(campaignShown, 'outside');
    // A broken document written behind patron's back is refused; the
    // catalogue in service stays.
    write(`UPDATE campaigns SET document = '{"id":"outside","languages":[]}' WHERE id = 'outside'`);
    await sleep(2500);
    assert.equal((await shown()).campaign, 'outside');
    assert.match(srv.stderr, /refused, the previous ones stay in service/);
    write("DELETE FROM campaigns WHERE id = 'outside'");
});

t('a thousand catalogue swaps under load: no error, no torn answer', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const body = JSON.stringify(appealBody());
    let stop = false;
    let answers = 0;
    const problems = [];
    async function reader() {
        while (!stop) {
            const r = await postJson(srv, '/v1/appeal', body, { agent });
            answers++;
            let j;
            try { j = JSON.parse(r.body); } catch { problems.push(`not JSON: ${r.body.slice(0, 80)}`); continue; }
            if (r.status !== 200 || !j.appeal) { problems.push(`${r.status} ${r.body.slice(0, 80)}`); continue; }
            // Every version's headline names its own variant: a torn answer
            // would mix them.
            const m = /Version (\d+) of (v\d+)/.exec(j.appeal.html);
            if (!m || `v${m[1]}` !== m[2] || j.appeal.variant !== m[2]) problems.push(`torn: ${j.appeal.variant} ${m}`);
        }
    }
    const swap = (i) => admin('PUT', '/v1/admin/campaigns/swap', campaign('swap', {
        priority: 1000,
        variants: [{ id: `v${i}`, text: { en: { headline: `Version ${i} of v${i}` } } }],
    }));
    assert.equal((await swap(0)).status, 200);
    const readers = Array.from({ length: 8 }, reader);
    for (let i = 1; i <= 1000; i++) {
        const r = await swap(i);
        if (r.status !== 200) problems.push(`swap ${i}: ${r.status} ${r.body}`);
    }
    stop = true;
    await Promise.all(readers);
    agent.destroy();
    assert.deepEqual(problems.slice(0, 5), []);
    assert.ok(answers > 1000, `only ${answers} answers during the swaps`);
    const last = await shown();
    assert.equal(last.variant, 'v1000');
    assert.equal((await admin('DELETE', '/v1/admin/campaigns/swap')).status, 204);
}, { timeout: 180_000 });
