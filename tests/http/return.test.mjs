// The way back to the article: the support page carries the article's
// address through, and its link leads there (never to a script or elsewhere).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopAndAssertClean, suite, postForm, request, assertHtml } from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'return' }); });
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
