// Mirror and onion addresses (issue 14, item 1). public_url lists every
// address readers reach patron on: the primary first, then a mirror and an
// onion address. A request is answered for the address its Host names, and
// only a configured one: the appeal's links, the frames, the support page's
// way back, the stand-in Stripe's return and the donor's emails keep to it;
// an unknown Host gets the primary, never itself echoed. Clearnet pages name
// the onion (Onion-Location); the onion's own pages do not.

import assert from 'node:assert/strict';
import nodeHttp from 'node:http';
import { after, before, test } from 'node:test';
import { runSend } from '../reminders/lib.mjs';
import { manageLink, sqlite, startPatron, startSmtp, startStandin, stopClean, stateAmount, withLog } from './lib.mjs';

const ONION = 'http://patronnewsroomxyzabcdefghijklmnopqrstuvwxyz234567abcdefgh.onion';
let standin;
let smtp;
let patron;
let mirror;

before(async () => {
    standin = await startStandin({ secret: 'whsec_patronStandinSecret0123456789' });
    smtp = await startSmtp();
    patron = await startPatron({ stripe: standin, smtp, seedDemo: true, label: 'origins', config: {} });
    // The port is known once the server has one: write the list and restart.
    mirror = `http://mirror.test:${patron.port}`;
    await patron.stop?.();
    const fs = await import('node:fs');
    const text = fs.readFileSync(patron.configFile, 'utf8')
        .replace(/^public_url = .*$/m, `public_url = ${patron.base} ${mirror} ${ONION}`);
    fs.writeFileSync(patron.configFile, text + 'frame_ancestors = https://news.example\narticle_origins = https://*.example.net\n');
    await patron.start();
});

after(async () => {
    await stopClean(patron);
    await standin?.close();
    await smtp?.close();
});

/** A request to patron with the Host header a proxy would pass on. */
function asHost(host, method, urlPath, { form } = {}) {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    return new Promise((resolve, reject) => {
        const r = nodeHttp.request({
            host: '127.0.0.1', port: patron.port, method, path: urlPath, setHost: false,
            headers: { Host: host, ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } : {}) },
            timeout: 20_000,
        }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        });
        r.on('error', reject);
        r.on('timeout', () => r.destroy(new Error('timed out')));
        r.end(body);
    });
}
const hostOf = (url) => new URL(url).host;
const appealBody = JSON.stringify({ article: { id: 'demo-article', language: 'en' }, reader: { bucket: 1234567890 } });

/** Every address of patron's a text links to: http(s)://host[:port] before a path. */
function patronAddresses(text) {
    const found = new Set();
    for (const m of text.matchAll(/(https?:\/\/[a-z0-9.:-]+)\/(?:embed|support|appeal\.css|reminders|thanks|manage|erase)/gi)) found.add(m[1]);
    return [...found];
}

test('the appeal, its frame and the reminder frame link to the address the reader came on, and only a configured one', withLog(() => patron, async () => {
    const cases = [
        [hostOf(patron.base), patron.base],
        [hostOf(mirror), mirror],
        [hostOf(ONION), ONION],
        ['MIRROR.test:' + patron.port, mirror],      // hosts compare without case
        ['evil.example', patron.base],               // never the Host itself
        [`mirror.test:${patron.port + 1}`, patron.base], // another port is another address
        ['mirror.test', patron.base],
    ];
    for (const [host, expected] of cases) {
        const answer = await new Promise((resolve, reject) => {
            const r = nodeHttp.request({ host: '127.0.0.1', port: patron.port, method: 'POST', path: '/v1/appeal', setHost: false,
                headers: { Host: host, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(appealBody) } }, (res) => {
                let text = '';
                res.on('data', (c) => { text += c; });
                res.on('end', () => resolve({ status: res.statusCode, body: text }));
            });
            r.on('error', reject);
            r.end(appealBody);
        });
        assert.equal(answer.status, 200, answer.body.slice(0, 200));
        const html = JSON.parse(answer.body).appeal?.html ?? '';
        assert.ok(html.includes('/embed/dismiss'), `an appeal for Host ${host}`);
        assert.deepEqual(patronAddresses(html), [expected], `Host ${host}`);
        assert.ok(!answer.body.includes('evil.example'));

        const frame = await asHost(host, 'GET', '/embed/appeal?article=demo-article&lang=en');
        assert.equal(frame.status, 200);
        assert.deepEqual(patronAddresses(frame.body), [expected], `the frame for Host ${host}`);
        const letter = await asHost(host, 'GET', '/embed/email?campaign=demo-2026&lang=en');
        assert.equal(letter.status, 200, letter.body.slice(0, 200));
        assert.deepEqual(patronAddresses(letter.body), [expected], `the newsletter for Host ${host}`);
        const dismissed = await asHost(host, 'POST', '/embed/dismiss', { form: { reason: 'later', lang: 'en' } });
        assert.equal(dismissed.status, 200);
        assert.deepEqual(patronAddresses(dismissed.body), [expected], `the reminder frame for Host ${host}`);
    }
}));

test('the frame\'s policy names the configured sites and addresses, and no other', async () => {
    const frame = await asHost(hostOf(mirror), 'GET', '/embed/appeal?article=demo-article&lang=en');
    const policy = frame.headers['content-security-policy'];
    assert.match(policy, /frame-ancestors https:\/\/news\.example(;|$)/);
    const formAction = /form-action ([^;]*)/.exec(policy)[1].split(' ');
    for (const address of [patron.base, mirror, ONION]) assert.ok(formAction.includes(address), `${address} in ${policy}`);
    assert.ok(!policy.includes('evil'), policy);
});

test('a way back to the article is kept only on a configured address', async () => {
    for (const [returnUrl, kept] of [[`${mirror}/2026/article`, true], [`${ONION}/2026/article`, true],
        ['http://mirror.test/2026/article', false], ['https://evil.example/2026/article', false]]) {
        const form = await asHost(hostOf(mirror), 'GET', `/support?lang=en&return=${encodeURIComponent(returnUrl)}`);
        assert.equal(form.status, 200);
        assert.equal(form.body.includes(`name="return" value="${returnUrl}"`), kept, returnUrl);
    }
});

test('Onion-Location names the same page on the onion, on clearnet HTML pages only', async () => {
    for (const host of [hostOf(patron.base), hostOf(mirror)]) {
        const page = await asHost(host, 'GET', '/support?lang=ru&campaign=spring');
        assert.equal(page.status, 200);
        assert.equal(page.headers['onion-location'], `${ONION}/support?lang=ru&campaign=spring`, host);
        const thanksless = await asHost(host, 'GET', '/reminders/cancel?token=nothing');
        assert.match(thanksless.headers['onion-location'] ?? '', /\.onion\/reminders\/cancel\?token=nothing$/);
    }
    const onion = await asHost(hostOf(ONION), 'GET', '/support?lang=en');
    assert.equal(onion.status, 200);
    assert.equal(onion.headers['onion-location'], undefined, 'not on the onion itself');
    const json = await asHost(hostOf(mirror), 'GET', '/healthz');
    assert.equal(json.headers['onion-location'], undefined, 'not on JSON');
});

/** POST /support on host, then Pay at the stand-in: the addresses the donor passes through. */
async function pledgeOn(origin, email) {
    const form = await stateAmount(patron, { frequency: 'monthly', amount: 'other', other_amount: '3', currency: 'USD', lang: 'en' });
    const posted = await asHost(hostOf(origin), 'POST', '/support', { form });
    assert.equal(posted.status, 303, posted.body.slice(0, 300));
    const sessionId = decodeURIComponent(posted.headers.location.slice(`${standin.url}/pay/`.length));
    const session = standin.session(sessionId);
    const pledgeId = session.metadata.pledge_id;
    const pay = await fetch(`${standin.url}/pay/${encodeURIComponent(sessionId)}`, {
        method: 'POST', redirect: 'manual', body: new URLSearchParams({ email }),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(pay.status, 303);
    const back = pay.headers.get('location');
    const thanks = await asHost(hostOf(origin), 'GET', back.slice(origin.length));
    assert.equal(thanks.status, 200);
    return { session, pledgeId, back, thanks };
}

test('a pledge made on the mirror or the onion returns there, and its emails lead there', { timeout: 90_000 }, withLog(() => patron, async () => {
    for (const [origin, email] of [[mirror, 'mirror.donor@example.org'], [ONION, 'onion.donor@example.org'], [patron.base, 'primary.donor@example.org']]) {
        const { session, pledgeId, back } = await pledgeOn(origin, email);
        assert.ok(session.success_url.startsWith(`${origin}/thanks?pledge=`), session.success_url);
        assert.ok(session.cancel_url.startsWith(`${origin}/support?`), session.cancel_url);
        assert.ok(back.startsWith(`${origin}/thanks?`), back);
        const [thanksMail] = await smtp.waitFor((m) => m.envelope.to.includes(email) && /^Thank you/.test(m.subject), { timeoutMs: 15_000 });
        const link = manageLink(thanksMail);
        assert.ok(link?.startsWith(`${origin}/manage?t=`), `${origin}: ${link}`);
        assert.deepEqual(patronAddresses(`${thanksMail.text}\n${thanksMail.html}`), [origin], origin);
        // Kept sealed, and only for an address other than the primary.
        const [row] = sqlite(patron.db, `SELECT length(origin_sealed) AS sealed, instr(CAST(origin_sealed AS TEXT), 'mirror') + instr(CAST(origin_sealed AS TEXT), 'onion') AS plain FROM pledges WHERE id = '${pledgeId}'`);
        if (origin === patron.base) assert.equal(row.sealed, null);
        else {
            assert.ok(row.sealed > origin.length, `sealed: ${row.sealed} bytes`);
            assert.equal(row.plain, 0, 'not in plain text');
            // The erase link (on that address too) takes the address with it.
            const erase = /https?:\/\/[^\s"<>]+\/erase\?t=[A-Za-z0-9_\-]+/.exec(thanksMail.text)?.[0];
            assert.ok(erase?.startsWith(`${origin}/erase?t=`), erase);
            const posted = await asHost(hostOf(origin), 'POST', '/erase', { form: { t: new URL(erase).searchParams.get('t') } });
            assert.equal(posted.status, 200, posted.body.slice(0, 300));
            const [gone] = sqlite(patron.db, `SELECT origin_sealed IS NULL AS gone, email_sealed IS NULL AS mailgone FROM pledges WHERE id = '${pledgeId}'`);
            assert.deepEqual(gone, { gone: 1, mailgone: 1 });
        }
    }
}));

test('a reminder asked for on the onion leads back to the onion; one asked on the primary, to the primary', { timeout: 60_000 }, withLog(() => patron, async () => {
    const next = new Date();
    next.setUTCDate(1);
    next.setUTCMonth(next.getUTCMonth() + 1);
    const month = next.toISOString().slice(0, 7);
    for (const [origin, email] of [[ONION, 'onion.reader@example.org'], [patron.base, 'primary.reader@example.org']]) {
        const body = JSON.stringify({ email, month, language: 'en' });
        const answer = await new Promise((resolve, reject) => {
            const r = nodeHttp.request({ host: '127.0.0.1', port: patron.port, method: 'POST', path: '/v1/reminders', setHost: false,
                headers: { Host: hostOf(origin), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
                res.resume();
                res.on('end', () => resolve(res.statusCode));
            });
            r.on('error', reject);
            r.end(body);
        });
        assert.equal(answer, 200);
    }
    const sent = await runSend(patron, `${month}-05T09:00:00Z`);
    assert.equal(sent.code, 0, sent.stderr);
    for (const [origin, email] of [[ONION, 'onion.reader@example.org'], [patron.base, 'primary.reader@example.org']]) {
        const [mail] = await smtp.waitFor((m) => m.envelope.to.includes(email), { timeoutMs: 15_000 });
        assert.deepEqual(patronAddresses(`${mail.text}\n${mail.html}`), [origin], email);
    }
}));

test('CORS: once the newsroom lists its sites, the readers\' API answers exactly those and its own addresses', async () => {
    const ask = (method, origin) => new Promise((resolve, reject) => {
        const body = method === 'POST' ? appealBody : undefined;
        const r = nodeHttp.request({ host: '127.0.0.1', port: patron.port, method, path: '/v1/appeal',
            headers: { Origin: origin, 'Content-Type': 'text/plain', ...(method === 'OPTIONS' ? { 'Access-Control-Request-Method': 'POST' } : {}),
                ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {}) } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.headers));
        });
        r.on('error', reject);
        r.end(body);
    });
    for (const method of ['POST', 'OPTIONS']) {
        for (const [origin, allowed] of [['https://news.example', true], ['https://www.example.net', true], [mirror, true], [ONION, true],
            ['https://evil.example', false], ['http://news.example', false], ['null', false], ['https://example.net.evil.example', false]]) {
            const headers = await ask(method, origin);
            assert.equal(headers['access-control-allow-origin'], allowed ? origin : undefined, `${method} from ${origin}`);
            assert.match(headers.vary ?? '', /Origin/, `${method} from ${origin}`);
        }
    }
});
