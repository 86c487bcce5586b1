// The way back to the article: the support page carries the article's
// address through, and its link leads there (never to a script or elsewhere):
// only to the newsroom's own sites, public_url's origin and those
// article_origins and frame_ancestors name (issue 16, item 22d).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopAndAssertClean, suite, postForm, request, assertHtml, sqlite } from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => {
    srv = await startServer({
        label: 'return',
        config: { frame_ancestors: "'self' https://news.example.org", article_origins: 'https://*.example.net' },
    });
});
after(async () => { if (srv) await stopAndAssertClean(srv); });

const ARTICLE = 'https://news.example.org/2026/court-calendar?utm=none';

t('the support page keeps the article and links back to it', async () => {
    const form = assertHtml(await request(srv, 'GET', `/support?lang=en&return=${encodeURIComponent(ARTICLE)}`), 200);
    assert.match(form, new RegExp(`name="return" value="${ARTICLE.replaceAll('?', '\\?')}"`));
    const done = await postForm(srv, '/support', { frequency: 'monthly', amount: '5', currency: 'USD', lang: 'en', return: ARTICLE });
    const page = assertHtml(done, 201);
    assert.ok(page.includes(`href="${ARTICLE}"`), 'the pending page links back to the article');
    assert.ok(!page.includes('#patron-supporter'), 'a pending pledge does not make a supporter');
});

t('a return address that is not a plain http(s) link is dropped', async () => {
    for (const bad of ['javascript:alert(1)', 'https://x.org/"><script>', 'ftp://x.org/a',
        'https://x.org/a#frag', 'https://x.org/' + 'a'.repeat(1100)]) {
        const r = await postForm(srv, '/support', { frequency: 'monthly', amount: '5', currency: 'USD', lang: 'en', return: bad });
        const page = assertHtml(r, 201);
        assert.ok(page.includes('href="/"'), `falls back to / for ${bad.slice(0, 40)}`);
        assert.ok(!page.includes('<script>') && !page.includes('javascript:'), bad.slice(0, 40));
    }
});

/** The "Back to the article" link's address on /support's pending page and on /thanks. */
async function backLinks(returnUrl) {
    const form = assertHtml(await request(srv, 'GET', `/support?lang=en&return=${encodeURIComponent(returnUrl)}`), 200);
    const kept = /name="return" value="([^"]*)"/.exec(form)?.[1] ?? null;
    const before = new Set(sqlite(srv, 'SELECT id FROM pledges').map((r) => r[0]));
    const pending = assertHtml(await postForm(srv, '/support', { frequency: 'monthly', amount: '5', currency: 'USD', lang: 'en', return: returnUrl }), 201);
    const id = sqlite(srv, 'SELECT id FROM pledges').map((r) => r[0]).find((x) => !before.has(x));
    assert.ok(id, 'no pledge was stored');
    const thanks = assertHtml(await request(srv, 'GET', `/thanks?pledge=${id}&return=${encodeURIComponent(returnUrl)}`), 200);
    const href = (page) => /<a class="patron-back" href="([^"]*)"/.exec(page)?.[1] ?? /href="([^"]*)"[^>]*>Back to the article/.exec(page)?.[1] ?? null;
    return { kept, pending: pending.includes(`href="${returnUrl.replaceAll('&', '&amp;')}"`), thanks: href(thanks) };
}

t('the newsroom\'s own sites are kept as the way back, on the support page and on /thanks', async () => {
    for (const good of [ARTICLE, 'https://www.example.net/2026/a', 'https://deep.sub.example.net:443/x', `${srv.base}/`, 'https://NEWS.Example.ORG/Caps']) {
        const links = await backLinks(good);
        assert.equal(links.kept, good, `the support page keeps ${good}`);
        assert.ok(links.pending, `the pending page links back to ${good}`);
        assert.equal(links.thanks, good, `/thanks links back to ${good}`);
    }
});

t('any other site is dropped: the link falls back to /', async () => {
    for (const foreign of [
        'https://evil.example/2026/court-calendar',
        'https://news.example.org.evil.example/',
        'https://news.example.org@evil.example/',
        'https://evil.example/?next=https://news.example.org/',
        'http://news.example.org/a',          // frame_ancestors says https
        'https://news.example.org:8443/a',    // another port
        'https://example.net/a',              // *.example.net is subdomains only
        'http://127.0.0.1:1/a',               // public_url's host, another port
        'https://evil.example\\@news.example.org/',
    ]) {
        const links = await backLinks(foreign);
        assert.equal(links.kept, null, `the support page dropped ${foreign}`);
        assert.ok(!links.pending, `the pending page does not link to ${foreign}`);
        assert.equal(links.thanks, '/', `/thanks falls back to / for ${foreign}`);
    }
});
