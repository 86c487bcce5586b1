// The newsletter appeal (GET /embed/email, docs/API.md): email-safe HTML and
// its plain-text twin in English and Russian, checked with a real HTML
// parser (parse5); its links lead to the support page, whose pledge and the
// click are counted for the campaign and variant; refusals are clear.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse, parseFragment } from 'parse5';
import {
    startServer, stopAndAssertClean, suite, request, postForm, assertContentType, assertJson,
    ADMIN_TOKEN, sqlite,
} from './lib.mjs';

let srv;
const t = suite(() => srv);
before(async () => { srv = await startServer({ label: 'newsletter' }); });
after(async () => { if (srv) await stopAndAssertClean(srv); });

const AUTH = { Authorization: `Bearer ${ADMIN_TOKEN}` };

function admin(method, path, value) {
    const body = value === undefined ? undefined : JSON.stringify(value);
    const headers = { ...AUTH };
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = Buffer.byteLength(body);
    }
    return request(srv, method, path, { headers, body });
}

// What an editor might write: markdown with a relative link, an image from
// elsewhere and raw HTML, none of which email can carry; an absolute link
// to the newsroom's own support page, which stays.
const bodyEn = (base) => 'We report from where others cannot. **Every reader counts.**\n\n' +
    '![a tracker](https://tracker.example.net/pixel.gif) [Read why](/about) ' +
    `<script>alert(1)</script> [how we spend it](${base}/support?lang=en)`;
const bodyRu = 'Мы пишем оттуда, откуда другие не могут. **Важен каждый читатель.**';

function newsletterCampaign(id, extra = {}) {
    return {
        id, status: 'live', priority: 1, languages: ['en', 'ru'], currency: 'EUR',
        // A page never asks for this placement: the campaign goes out by email only.
        placement: 'newsletter',
        variants: [
            // Weight 0: never chosen for the site, only when named.
            { id: 'quiet', weight: 0, presets: [300], text: { en: { headline: 'Quiet one' }, ru: { headline: 'Тихий' } } },
            {
                id: 'main', weight: 1, frequencies: ['monthly', 'one_off'], default_frequency: 'monthly',
                presets: [300, 500, 1250], default_amount: 500,
                amounts: { one_off: { presets: [1000, 2500] } },
                text: {
                    en: { headline: 'Keep us reporting', body: bodyEn(srv.base), support: 'Become a supporter' },
                    ru: { headline: 'Помогите нам работать', body: bodyRu },
                },
            },
        ],
        ...extra,
    };
}

async function fetchEmail(query) {
    return request(srv, 'GET', '/embed/email?' + new URLSearchParams(query));
}

/* ---- a real parser's view of the HTML ------------------------------------ */

function walk(node, visit) {
    visit(node);
    for (const child of node.childNodes ?? []) walk(child, visit);
    if (node.content) walk(node.content, visit); // <template>
}

const attr = (node, name) => node.attrs?.find((a) => a.name === name)?.value;

/** Elements, links and images of an HTML fragment, as parse5 reads it. */
function inspect(html) {
    const fragment = parseFragment(html);
    const elements = [];
    walk(fragment, (node) => { if (node.tagName) elements.push(node); });
    return {
        fragment, elements,
        tags: new Set(elements.map((e) => e.tagName)),
        hrefs: elements.filter((e) => attr(e, 'href') !== undefined).map((e) => attr(e, 'href')),
        text: elements.length ? textOf(fragment) : '',
    };
}

function textOf(node) {
    let text = '';
    walk(node, (n) => { if (n.nodeName === '#text') text += n.value; });
    return text;
}

/** What an email client would drop or fetch, and what must be absolute. */
function assertEmailSafe(html, base) {
    const { elements, tags, hrefs } = inspect(html);
    for (const banned of ['script', 'style', 'form', 'input', 'button', 'select', 'textarea',
        'iframe', 'object', 'embed', 'link', 'meta', 'base', 'img', 'video', 'audio', 'svg']) {
        assert.ok(!tags.has(banned), `the email HTML has a <${banned}>`);
    }
    for (const e of elements) {
        for (const a of e.attrs) {
            assert.ok(!/^on/i.test(a.name), `<${e.tagName}> has an event handler ${a.name}`);
            assert.ok(!['src', 'srcset', 'background', 'action', 'formaction', 'class', 'id'].includes(a.name),
                `<${e.tagName}> has ${a.name}="${a.value}": fetched from elsewhere or styled from a stylesheet email drops`);
            if (a.name === 'style') {
                assert.ok(!/url\s*\(|@import|expression\s*\(/i.test(a.value), `a style fetches: ${a.value}`);
            }
        }
    }
    assert.ok(tags.has('table'), 'tables carry the layout');
    assert.ok(hrefs.length > 0);
    for (const href of hrefs) {
        const url = new URL(href); // throws on a relative link
        assert.equal(url.origin, base, `a link leaves public_url: ${href}`);
    }
    return hrefs;
}

function assertSupportLink(href, base, { campaign, variant, lang }) {
    const url = new URL(href);
    assert.equal(url.origin + url.pathname, `${base}/support`, href);
    assert.equal(url.searchParams.get('campaign'), campaign, href);
    assert.equal(url.searchParams.get('variant'), variant, href);
    assert.equal(url.searchParams.get('lang'), lang, href);
    assert.equal(url.searchParams.get('source'), 'email', href);
    assert.equal(url.searchParams.get('currency'), 'EUR', href);
    const frequency = url.searchParams.get('frequency');
    assert.ok(['monthly', 'one_off', 'annual'].includes(frequency), href);
    // Nothing that could tell one reader from another.
    for (const key of url.searchParams.keys()) {
        assert.ok(['campaign', 'variant', 'lang', 'source', 'currency', 'frequency', `amount_${frequency}`].includes(key),
            `unexpected parameter ${key} in ${href}`);
    }
}

/** The URLs in a plain-text body. */
const textLinks = (text) => [...text.matchAll(/https?:\/\/[^\s)]+/g)].map((m) => m[0]);

/* ---- the tests ------------------------------------------------------------ */

t('a newsletter campaign is created through the admin API', async () => {
    const created = await admin('POST', '/v1/admin/campaigns', newsletterCampaign('letter'));
    assert.equal(created.status, 201, created.body);
});

for (const lang of ['en', 'ru']) {
    t(`the ${lang} HTML is email-safe, and every support link carries campaign, variant and language`, async () => {
        const r = await fetchEmail({ campaign: 'letter', lang });
        assert.equal(r.status, 200, r.body);
        assertContentType(r, /^text\/html; charset=utf-8$/i);
        assert.equal(r.headers['cache-control'], 'no-cache');
        const hrefs = assertEmailSafe(r.body, srv.base);
        const supportLinks = hrefs.filter((h) => new URL(h).pathname === '/support');
        // Presets of both frequencies, "other" for each, and the button.
        assert.ok(supportLinks.length >= 3 + 2 + 2 + 1, `support links: ${supportLinks.length}`);
        for (const href of lang === 'en' ? supportLinks.filter((h) => new URL(h).searchParams.has('source')) : supportLinks) {
            assertSupportLink(href, srv.base, { campaign: 'letter', variant: 'main', lang });
        }
        const { text, fragment } = inspect(r.body);
        const top = fragment.childNodes.filter((n) => n.tagName);
        assert.equal(top.length, 1, 'one outer table, to paste into a template');
        assert.equal(attr(top[0], 'lang'), lang);
        if (lang === 'en') {
            assert.match(text, /Keep us reporting/);
            assert.match(text, /Every reader counts\./);
            assert.match(text, /Read why/, 'a relative link keeps its words');
            assert.match(text, /a tracker/, "an image keeps its description");
            assert.doesNotMatch(r.body, /<script/i, 'raw HTML is dropped');
            assert.match(text, /€5/);
            assert.match(text, /€12\.50/);
            assert.match(text, /Become a supporter/);
            assert.match(text, /Monthly/);
            assert.match(text, /Once/);
        } else {
            assert.match(text, /Помогите нам работать/);
            assert.match(text, /Важен каждый читатель/);
            assert.match(text, /Ежемесячно/);
            assert.match(text, /12,50/, 'amounts as a Russian reader writes them');
            assert.match(text, /Поддержать/);
            assert.match(text, /Другая сумма/);
        }
        const preset = supportLinks.find((h) => new URL(h).searchParams.get('amount_monthly') === '12.50');
        assert.ok(preset, 'each preset is a link with its amount');
        const button = supportLinks.at(-1);
        assert.equal(new URL(button).searchParams.get('frequency'), 'monthly', 'the default frequency');
        assert.equal(new URL(button).searchParams.get('amount_monthly'), null);
    });

    t(`the ${lang} text twin carries the same links`, async () => {
        const html = await fetchEmail({ campaign: 'letter', lang });
        const r = await fetchEmail({ campaign: 'letter', lang, format: 'text' });
        assert.equal(r.status, 200, r.body);
        assertContentType(r, /^text\/plain; charset=utf-8$/i);
        assert.doesNotMatch(r.body, /<[a-z!/]/i, 'no markup in the text');
        const links = textLinks(r.body);
        const hrefs = inspect(html.body).hrefs;
        assert.deepEqual(links, hrefs, 'the same links, in the same order');
        assert.match(r.body, lang === 'en' ? /^Keep us reporting\n\n/ : /^Помогите нам работать\n\n/);
        if (lang === 'en') {
            assert.match(r.body, /Read why a tracker|a tracker Read why/);
            assert.match(r.body, /\n€12\.50: http/);
            assert.match(r.body, /\nBecome a supporter: http\S+frequency=monthly\n$/);
        } else {
            assert.match(r.body, /\n12,50\u00a0€: http/);
        }
    });
}

t('a variant named is served, even one readers on the site never see', async () => {
    const r = await fetchEmail({ campaign: 'letter', lang: 'en', variant: 'quiet' });
    assert.equal(r.status, 200, r.body);
    const hrefs = assertEmailSafe(r.body, srv.base);
    for (const href of hrefs) assertSupportLink(href, srv.base, { campaign: 'letter', variant: 'quiet', lang: 'en' });
    assert.match(inspect(r.body).text, /Quiet one/);
});

t('without lang, the campaign speaks its first language', async () => {
    const r = await fetchEmail({ campaign: 'letter', format: 'text' });
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /^Keep us reporting/);
    assert.match(r.body, /lang=en/);
});

t('unknown, draft, ended, other languages and bad requests are refused clearly', async () => {
    const cases = [
        [{ campaign: 'nope', lang: 'en' }, 404, /There is no campaign "nope"/],
        [{ campaign: 'nope', lang: 'ru' }, 404, /Кампании «nope» нет/],
        [{ campaign: 'letter', lang: 'de' }, 404, /has no text in "de"/],
        [{ campaign: 'letter', lang: 'en', variant: 'zzz' }, 404, /has no variant "zzz"/],
        [{ campaign: 'letter', lang: 'en', format: 'pdf' }, 400, /format must be html or text/],
        [{ lang: 'en' }, 400, /Name the campaign/],
        [{ campaign: '../../etc', lang: 'en' }, 404, /There is no campaign/],
    ];
    for (const [query, status, message] of cases) {
        const r = await fetchEmail(query);
        assert.equal(r.status, status, `${JSON.stringify(query)}: ${r.body}`);
        assert.match(textOf(parse(r.body)), message, JSON.stringify(query));
    }
    assert.equal((await admin('POST', '/v1/admin/campaigns', newsletterCampaign('drafted', { status: 'draft' }))).status, 201);
    let r = await fetchEmail({ campaign: 'drafted', lang: 'en' });
    assert.equal(r.status, 404);
    assert.match(textOf(parse(r.body)), /Campaign "drafted" is a draft/);
    assert.equal((await admin('POST', '/v1/admin/campaigns', newsletterCampaign('later', { starts_at: '2199-01-01T00:00:00Z' }))).status, 201);
    r = await fetchEmail({ campaign: 'later', lang: 'en' });
    assert.equal(r.status, 404);
    assert.match(r.body, /has not started yet/);
    assert.equal((await admin('POST', '/v1/admin/campaigns', newsletterCampaign('over'))).status, 201);
    assert.equal((await fetchEmail({ campaign: 'over', lang: 'en' })).status, 200);
    assert.equal((await admin('POST', '/v1/admin/campaigns/over/end')).status, 200);
    r = await fetchEmail({ campaign: 'over', lang: 'ru', format: 'text' });
    assert.equal(r.status, 404);
    assert.match(textOf(parse(r.body)), /Кампания «over» закончилась/);
});

/* The support page's form as a browser would submit it: hidden fields and
 * checked radio buttons. */
function formFields(html) {
    const document = parse(html);
    const forms = [];
    walk(document, (n) => { if (n.tagName === 'form' && attr(n, 'action') === '/support') forms.push(n); });
    assert.equal(forms.length, 1, 'the support page has its form');
    const fields = {};
    walk(forms[0], (n) => {
        if (n.tagName === 'select' && attr(n, 'name')) {
            const options = [];
            walk(n, (o) => { if (o.tagName === 'option') options.push(o); });
            const chosen = options.find((o) => o.attrs.some((a) => a.name === 'selected')) ?? options[0];
            fields[attr(n, 'name')] = attr(chosen, 'value') ?? textOf(chosen);
            return;
        }
        if (n.tagName !== 'input' || !attr(n, 'name')) return;
        const type = attr(n, 'type') ?? 'text';
        if (type === 'radio' && !n.attrs.some((a) => a.name === 'checked')) return;
        fields[attr(n, 'name')] = attr(n, 'value') ?? '';
    });
    return fields;
}

async function counts() {
    const stats = assertJson(await request(srv, 'GET', '/v1/stats', { headers: AUTH }), 200);
    const mine = {};
    for (const c of stats.counts) {
        if (c.campaign === 'letter') mine[`${c.variant}:${c.kind}`] = (mine[`${c.variant}:${c.kind}`] ?? 0) + c.count;
    }
    return mine;
}

t('a link leads to the support page with its amount chosen; the click and the pledge count for the campaign and variant', async () => {
    const before = await counts();
    const r = await fetchEmail({ campaign: 'letter', lang: 'ru', format: 'text' });
    const link = textLinks(r.body).find((l) => new URL(l).searchParams.get('amount_monthly') === '12.50');
    assert.ok(link, r.body);
    const url = new URL(link);
    const page = await request(srv, 'GET', url.pathname + url.search);
    assert.equal(page.status, 200, page.body);
    assertContentType(page, /^text\/html/);
    assert.match(page.body, /Помогите нам работать/, "the support page greets with the appeal's headline");
    const fields = formFields(page.body);
    assert.equal(fields.campaign, 'letter');
    assert.equal(fields.variant, 'main');
    assert.equal(fields.lang, 'ru');
    assert.equal(fields.frequency, 'monthly');
    assert.equal(fields.amount_monthly, '12.50', 'the amount from the link is chosen');

    // A HEAD (as some link checkers send) and a GET without the marker are no clicks.
    await request(srv, 'HEAD', url.pathname + url.search);
    await request(srv, 'GET', '/support?campaign=letter&variant=main&lang=ru');

    const pledged = await postForm(srv, '/support', fields);
    // No processor here: the pledge is saved as pending and the page says so.
    assert.equal(pledged.status, 201, pledged.body.slice(0, 400));
    const rows = sqlite(srv, "SELECT campaign, variant, amount_minor, currency, frequency FROM pledges WHERE campaign = 'letter'");
    assert.deepEqual(rows, [['letter', 'main', '1250', 'EUR', 'monthly']]);

    const after = await counts();
    assert.equal((after['main:click'] ?? 0) - (before['main:click'] ?? 0), 1, JSON.stringify(after));
    assert.equal((after['main:pledge_pending'] ?? 0) - (before['main:pledge_pending'] ?? 0), 1, JSON.stringify(after));
});

t('a click for a campaign the catalogue does not know is not counted', async () => {
    await request(srv, 'GET', '/support?campaign=made-up&variant=main&lang=en&source=email');
    const stats = assertJson(await request(srv, 'GET', '/v1/stats', { headers: AUTH }), 200);
    assert.ok(!stats.counts.some((c) => c.campaign === 'made-up'));
});
