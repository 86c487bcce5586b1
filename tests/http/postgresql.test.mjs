// patron on PostgreSQL (`database = postgresql://…`, docs/SCALING.md): the
// real binary on a throwaway cluster of its own (tests/postgresql/cluster.sh),
// which this file stops, starts and restarts. While the database is down,
// what needs it answers 503 and the appeal goes on from memory; when it is
// back, everything works again and nothing counted meanwhile is lost.
//
// Needs PostgreSQL's server (Debian's postgresql package, which ./run
// installs). Without it the file is skipped, unless PATRON_TEST_PG_REQUIRED
// is set (tests/run-all.sh sets it): then it fails.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import {
    ADMIN_TOKEN, REPO, appealBody, assertJson, makeTempDir, postJson, request, sleep, startServer,
    stopAndAssertClean, suite,
} from './lib.mjs';
import { Client, addUser } from './dashboard-lib.mjs';

const CLUSTER = path.join(REPO, 'tests', 'postgresql', 'cluster.sh');
const AUTH = { Authorization: `Bearer ${ADMIN_TOKEN}` };

function serverInstalled() {
    try {
        return fs.readdirSync('/usr/lib/postgresql').some((v) =>
            fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
    } catch { return false; }
}
const available = serverInstalled();
if (!available && process.env.PATRON_TEST_PG_REQUIRED) {
    throw new Error('PostgreSQL is required for this run but /usr/lib/postgresql/*/bin/initdb is missing');
}

let srv;
let second; // another node on the same database
let cluster; // { url, dir }
const t = suite(() => srv);

function clusterCommand(args, timeoutMs = 60_000) {
    const r = spawnSync(CLUSTER, args, { encoding: 'utf8', timeout: timeoutMs });
    assert.equal(r.status, 0, `cluster.sh ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
    return r.stdout;
}

function psql(url, sql) {
    const r = spawnSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', url, '-c', sql],
        { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `psql ${sql}: ${r.stderr}`);
    return r.stdout.trim();
}

before(async () => {
    if (!available) return;
    const lines = clusterCommand(['start', '600']);
    const value = (key) => lines.match(new RegExp(`^${key}=(.*)$`, 'm'))[1];
    cluster = { url: value('PATRON_TEST_PG_URL'), dir: value('PATRON_TEST_PG_DIR') };
    psql(cluster.url, 'CREATE DATABASE patron_http');
    cluster.database = cluster.url.replace(/\/postgres$/, '/patron_http');
    srv = await startServer({
        label: 'postgresql',
        config: { database: cluster.database, catalog_check_interval: '1' },
    });
});

after(async () => {
    try {
        if (second) await stopAndAssertClean(second);
        if (srv) await stopAndAssertClean(srv);
    } finally {
        if (cluster) clusterCommand(['stop', cluster.dir]);
    }
});

const admin = (method, urlPath, value) => {
    const body = value === undefined ? undefined : JSON.stringify(value);
    const headers = { ...AUTH };
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = Buffer.byteLength(body);
    }
    return request(srv, method, urlPath, { headers, body });
};

/** Polls until ask() answers want (bounded); returns the last answer. */
async function becomes(ask, want, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
        last = await ask();
        if (last.status === want) return last;
        await sleep(200);
    }
    return last;
}

async function clicks() {
    const stats = assertJson(await request(srv, 'GET', '/v1/stats', { headers: AUTH }), 200);
    return stats.counts.filter((c) => c.campaign === 'demo-2026' && c.kind === 'click')
        .reduce((sum, c) => sum + c.count, 0);
}

const opts = { skip: available ? false : 'PostgreSQL is not installed' };

t('migrate, serve and the admin API round trip write to PostgreSQL, not SQLite', async () => {
    // The newest of sql/postgresql/NNN_*.sql, whatever it is by now.
    const newest = Math.max(...fs.readdirSync(path.join(REPO, 'sql', 'postgresql')).map((f) => Number(/^(\d+)_/.exec(f)?.[1] ?? 0)));
    assert.equal(psql(cluster.database, 'SELECT max(version) FROM schema_version'), String(newest));
    assert.ok(!fs.existsSync(path.join(srv.dir, 'data', 'patron.db')), 'no SQLite store beside it');
    const campaign = {
        id: 'spring', status: 'live', priority: 50, languages: ['en'],
        variants: [{ id: 'x', text: { en: { headline: 'Spring on PostgreSQL' } } }],
    };
    assert.equal((await admin('POST', '/v1/admin/campaigns', campaign)).status, 201);
    assert.equal(psql(cluster.database, "SELECT count(*) FROM campaigns WHERE id = 'spring'"), '1');
    const got = assertJson(await admin('GET', '/v1/admin/campaigns/spring'), 200);
    assert.equal(got.campaign.variants[0].text.en.headline, 'Spring on PostgreSQL');
    assert.equal((await admin('DELETE', '/v1/admin/campaigns/spring')).status, 204);
    assert.equal((await admin('GET', '/v1/admin/campaigns/spring')).status, 404);
}, opts);

t('a second node: the same key file, and a dashboard session started on one node is good on the other', async () => {
    // Every node has the key file the database was written with.
    const data = path.join(makeTempDir('postgresql-2'), 'data');
    fs.mkdirSync(data, { mode: 0o700 });
    fs.copyFileSync(path.join(srv.dir, 'data', 'patron.key'), path.join(data, 'patron.key'));
    second = await startServer({
        label: 'postgresql-2', seedDemo: false,
        // Its periodic check is an hour away: what it serves within the
        // hour it heard from the database (LISTEN/NOTIFY).
        config: { database: cluster.database, data_dir: data, catalog_check_interval: '3600' },
    });
    const editor = addUser(second, 'ed@example.org', 'editor');
    const one = new Client(srv);
    await one.signInOk(editor.email);
    const two = new Client(second);
    two.jar = new Map(one.jar);
    const page = await two.get('/dashboard/reports');
    assert.equal(page.status, 200, `node 2 with node 1's session: ${page.status} ${page.headers?.location ?? ''}`);
    // Signed out on node 2: gone on node 1 too.
    assert.equal((await two.post('/dashboard/logout', {})).status, 303);
    const after = await one.get('/dashboard/reports');
    assert.equal(after.status, 303, 'the session ended everywhere');
    // Wrong passwords on one node count on the other: five from one client
    // lock that client out of the account on both.
    const guesser = new Client(srv);
    for (let i = 0; i < 5; i++) assert.notEqual((await guesser.signIn(editor.email, `wrong ${i}`)).status, 303);
    const elsewhere = new Client(second);
    const locked = await elsewhere.signIn(editor.email);
    assert.notEqual(locked.status, 303, 'the fifth failure on node 1 locks the same client on node 2');
    assert.equal(psql(cluster.database, "SELECT count(*) FROM users WHERE email = 'ed@example.org'"), '1');
}, opts);

const heard = {
    id: 'heard', status: 'live', priority: 90, languages: ['en'],
    variants: [{ id: 'x', text: { en: { headline: 'Heard on every node' } } }],
};

/** How long until node's appeal for the demo article shows (or stops showing) the headline. */
async function servedWithin(node, headline, shown, timeoutMs = 5_000) {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
        const answer = assertJson(await postJson(node, '/v1/appeal', appealBody()), 200);
        const html = answer.appeal?.html ?? '';
        if (html.includes(headline) === shown) return Date.now() - started;
        await sleep(20);
    }
    return Infinity;
}

t('a campaign saved on one node is served by the other within a second, and its removal too', async () => {
    assert.ok(second, 'the second node runs');
    const html = assertJson(await postJson(second, '/v1/appeal', appealBody()), 200).appeal?.html ?? '';
    assert.ok(html.length > 0 && !html.includes('Heard on every node'), 'node 2 serves the demo first');
    for (let round = 0; round < 3; round++) {
        assert.equal((await admin('POST', '/v1/admin/campaigns', heard)).status, 201);
        const shown = await servedWithin(second, 'Heard on every node', true);
        assert.ok(shown < 1000, `round ${round + 1}: node 2 served the new campaign after ${shown} ms`);
        assert.equal((await admin('DELETE', '/v1/admin/campaigns/heard')).status, 204);
        const gone = await servedWithin(second, 'Heard on every node', false);
        assert.ok(gone < 1000, `round ${round + 1}: node 2 stopped serving it after ${gone} ms`);
        console.log(`# node 2 served the change after ${shown} ms, the removal after ${gone} ms`);
    }
}, opts);

t('the database stopped: 503 where it is needed, the appeal still 200; back: all works, no count lost', async () => {
    const before = await clicks();
    const click = { events: [{ kind: 'click', campaign: 'demo-2026', variant: 'a' }] };
    assert.equal((await postJson(srv, '/v1/events', click)).status, 202);

    clusterCommand(['pg_ctl', cluster.dir, 'stop', '-m', 'fast', '-w', '-t', '30']);
    try {
        const refused = await admin('GET', '/v1/admin/campaigns');
        assert.equal(refused.status, 503, refused.body);
        const appeal = assertJson(await postJson(srv, '/v1/appeal', appealBody()), 200);
        assert.ok(appeal.appeal, 'the appeal is served from the catalogue in memory');
        const health = await becomes(() => request(srv, 'GET', '/healthz'), 503);
        assert.equal(health.status, 503, health.body);
        // Counted in memory while the database is away.
        assert.equal((await postJson(srv, '/v1/events', click)).status, 202);
        await sleep(500); // a flush or two fails and puts the counts back
        assert.equal((await request(srv, 'GET', '/v1/stats', { headers: AUTH })).status, 503);
        assert.equal(assertJson(await postJson(srv, '/v1/appeal', appealBody()), 200).appeal !== null, true);
    } finally {
        clusterCommand(['pg_ctl', cluster.dir, 'start', '-w', '-t', '30']);
    }
    const back = await becomes(() => admin('GET', '/v1/admin/campaigns'), 200);
    assert.equal(back.status, 200, back.body);
    assert.equal((await becomes(() => request(srv, 'GET', '/healthz'), 200)).status, 200);
    assert.equal(await clicks(), before + 2, 'both clicks, once each');
    assert.match(srv.stderr, /the database can be written again/);
}, opts);

t('a restarted server is reconnected to without a failed request', async () => {
    assert.equal((await admin('GET', '/v1/admin/campaigns')).status, 200);
    clusterCommand(['pg_ctl', cluster.dir, 'restart', '-m', 'fast', '-w', '-t', '30']);
    for (let i = 0; i < 5; i++) {
        const r = await admin('GET', '/v1/admin/campaigns');
        assert.equal(r.status, 200, `request ${i + 1} after the restart: ${r.status} ${r.body}`);
    }
    assert.equal(assertJson(await postJson(srv, '/v1/appeal', appealBody()), 200).appeal !== null, true);
    // The second node's listening connection went with the restart; it
    // listens again and hears the next change (and one made meanwhile).
    assert.equal((await admin('POST', '/v1/admin/campaigns', heard)).status, 201);
    const shown = await servedWithin(second, 'Heard on every node', true);
    assert.ok(shown < 3000, `after the restart node 2 served the change after ${shown} ms`);
    assert.equal((await admin('DELETE', '/v1/admin/campaigns/heard')).status, 204);
    const gone = await servedWithin(second, 'Heard on every node', false);
    assert.ok(gone < 1000, `node 2 stopped serving it after ${gone} ms`);
    assert.match(second.stderr, /listening for campaign changes again|cannot listen/);
}, opts);
