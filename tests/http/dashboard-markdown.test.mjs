// Markdown with raw HTML, script and javascript: links in a campaign's text,
// typed into the dashboard's editor, is neutralised everywhere it comes out:
// the editor's live preview (unsaved and stored), the editor and list pages,
// and, once the campaign is saved and set live through the dashboard's own
// forms, the appeal readers get (/v1/appeal's html and /embed/appeal).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addUser, http, signedIn, sqlite, startPatron, stopClean, textOf, withLog } from './dashboard-lib.mjs';

let patron;
let c;
const EDITOR = 'md.editor@newsroom.example';
const ID = 'hostile-md';

const HOSTILE = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '[x](javascript:alert(1))',
    '[y](JaVaScRiPt:alert(1))',
    '[z](javascript&colon;alert(1))',
    '![i](javascript:alert(1))',
    '<javascript:alert(1)>',
    '<a href="javascript:alert(1)">a</a>',
    '<svg onload=alert(1)>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '<style>body{display:none}</style>',
].join('\n\n');

/** The editor's form for the campaign: two variants, two languages, hostile text everywhere. */
function campaignForm({ status = 'draft' } = {}) {
    const pairs = [
        ['id', ID], ['name', '<script>alert("name")</script>'], ['status', status], ['priority', '50'],
        ['languages', 'en, ru'], ['cohort', 'everyone'],
    ];
    for (const [n, variant] of [[0, 'a'], [1, 'b']]) {
        pairs.push([`v${n}.id`, variant], [`v${n}.frequencies`, 'monthly'], [`v${n}.frequencies`, 'one_off']);
        for (const lang of ['en', 'ru']) {
            pairs.push(
                [`v${n}.text.${lang}.headline`, `Headline ${variant} ${lang} <img src=x onerror=alert(1)>`],
                [`v${n}.text.${lang}.body`, `Body ${variant} ${lang}.\n\n${HOSTILE}`],
                [`v${n}.text.${lang}.support`, `<b onmouseover=alert(1)>Give ${variant}</b>`],
            );
        }
    }
    return pairs;
}

/** The attributes of one start tag, as [name, value] pairs (values unescaped only of &quot;). */
function attributesOf(tag) {
    const body = tag.replace(/^<[a-zA-Z0-9-]+/, '').replace(/\/?>$/, '');
    const out = [];
    const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
    let m;
    for (let i = 0; i < 200 && (m = re.exec(body)) !== null; i++) out.push([m[1].toLowerCase(), m[2] ?? m[3] ?? m[4] ?? '']);
    return out;
}

/**
 * No live script, event handler, or javascript:/data: address in html:
 * everything hostile is text or gone. pageScripts: the page's own script
 * files; frames: sandboxed frames are the page's own (the editor's preview).
 */
function assertNeutral(html, where, { pageScripts = [], frames = false } = {}) {
    const tags = html.match(/<[a-zA-Z][a-zA-Z0-9-]*(?:\s+(?:[^\s"'<>\/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?))*\s*\/?>/g) ?? [];
    const problems = [];
    for (const tag of tags) {
        const name = /^<([a-zA-Z0-9-]+)/.exec(tag)[1].toLowerCase();
        const attributes = attributesOf(tag);
        const value = (key) => attributes.find(([k]) => k === key)?.[1];
        if (name === 'script' && !pageScripts.includes(value('src'))) problems.push(`a script element: ${tag}`);
        if (name === 'iframe' && !(frames && value('sandbox') === '')) problems.push(`a frame: ${tag.slice(0, 200)}`);
        if (name === 'img' && (value('src') ?? '') !== '') problems.push(`an image that loads something: ${tag}`);
        if (['svg', 'style', 'object', 'embed', 'math', 'base', 'meta'].includes(name) && !(name === 'meta' && !value('http-equiv'))) problems.push(`a ${name} element: ${tag}`);
        for (const [key, v] of attributes) {
            if (key.startsWith('on')) problems.push(`an event handler: ${tag}`);
            if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(key) && /^\s*(?:javascript|data|vbscript):/i.test(v.replace(/&[a-z]+;|&#\d+;/gi, ''))) problems.push(`a dangerous address: ${tag}`);
        }
    }
    assert.deepEqual(problems, [], `${where} is not neutralised`);
    assert.doesNotMatch(html, /<script>alert/i, where);
}

/** Checks an appeal's html for one variant and language: neutral, and its own text is there. */
function assertAppeal(html, variant, lang, where) {
    assertNeutral(html, where);
    const text = textOf(html);
    assert.ok(text.includes(`Headline ${variant} ${lang} <img src=x onerror=alert(1)>`), `${where}: the headline is shown as text: ${text.slice(0, 300)}`);
    assert.ok(text.includes(`Body ${variant} ${lang}.`), `${where}: the body is there`);
    assert.ok(text.includes(`<b onmouseover=alert(1)>Give ${variant}</b>`), `${where}: the button label is shown as text`);
}

before(async () => {
    patron = await startPatron({ seedDemo: true, label: 'dash-md', config: { demo_pages: 'true', catalog_check_interval: '1' } });
    addUser(patron, EDITOR, 'editor');
    c = await signedIn(patron, EDITOR, undefined, '/dashboard/campaigns/new');
});
after(async () => { await stopClean(patron); });

const t = (name, fn) => test(name, { timeout: 60_000 }, withLog(() => patron, fn));

t('the live preview of the unsaved form, each variant and language', async () => {
    for (const variant of ['a', 'b']) {
        for (const lang of ['en', 'ru']) {
            const r = await c.post('/dashboard/campaigns/preview', [...campaignForm(), ['preview_variant', variant], ['preview_language', lang]]);
            assert.equal(r.status, 200, r.body.slice(0, 300));
            assert.match(r.headers.get('content-security-policy') ?? '', /(^|;\s*)sandbox(;|$)/, 'the preview is sandboxed');
            assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/, 'and runs no script');
            assertAppeal(r.body, variant, lang, `preview ${variant}/${lang}`);
        }
    }
    assert.equal(sqlite(patron.db, `SELECT count(*) AS n FROM campaigns WHERE id = '${ID}'`)[0].n, 0, 'a preview saves nothing');
});

t('create through the form: the editor page, its preview frames and the stored preview are neutral', async () => {
    const r = await c.post('/dashboard/campaigns', campaignForm());
    assert.equal(r.status, 303, `create answered ${r.status}: ${textOf(r.body).slice(0, 600)}`);
    assert.equal(r.location, `/dashboard/campaigns/${ID}?notice=created`);
    const stored = JSON.parse(sqlite(patron.db, `SELECT document FROM campaigns WHERE id = '${ID}'`)[0].document);
    assert.ok(stored.variants[0].text.en.body.includes('<script>alert(1)</script>'), 'the editor\'s text is stored as typed (it is escaped on the way out)');
    const editor = await c.get(`/dashboard/campaigns/${ID}`);
    assert.equal(editor.status, 200);
    assertNeutral(editor.body, 'the editor page', { pageScripts: ['/dashboard/assets/dashboard.js'], frames: true });
    // The frames' srcdoc, unescaped, is the document the frame shows.
    const frames = [...editor.body.matchAll(/<iframe[^>]*srcdoc="([^"]*)"/g)].map((m) => m[1].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    assert.ok(frames.length >= 2, `the editor shows preview frames (${frames.length})`);
    for (const [i, doc] of frames.entries()) assertNeutral(doc, `preview frame ${i}`);
    assert.ok([...editor.body.matchAll(/<iframe[^>]*>/g)].every((m) => /\ssandbox=""/.test(m[0])), 'every preview frame is sandboxed without allow-scripts');
    for (const variant of ['a', 'b']) {
        for (const lang of ['en', 'ru']) {
            const p = await c.get(`/dashboard/campaigns/${ID}/preview?variant=${variant}&lang=${lang}`);
            assert.equal(p.status, 200);
            assertAppeal(p.body, variant, lang, `stored preview ${variant}/${lang}`);
        }
    }
    const list = await c.get('/dashboard/campaigns');
    assert.equal(list.status, 200);
    assertNeutral(list.body, 'the campaigns list', { pageScripts: ['/dashboard/assets/dashboard.js'] });
    assert.ok(textOf(list.body).includes('<script>alert("name")</script>'), 'the hostile name is listed as text');
});

t('set live through the dashboard: /v1/appeal and /embed/appeal serve it neutralised', async () => {
    const live = await c.post(`/dashboard/campaigns/${ID}/live`);
    assert.equal(live.status, 303, textOf(live.body).slice(0, 400));
    assert.equal(JSON.parse(sqlite(patron.db, `SELECT document FROM campaigns WHERE id = '${ID}'`)[0].document).status, 'live');
    // Readers with different buckets get both variants, in both languages.
    const seen = new Set();
    for (let i = 0; i < 40 && seen.size < 4; i++) {
        const lang = i % 2 ? 'ru' : 'en';
        const body = JSON.stringify({ article: { id: 'demo-article', language: lang }, reader: { bucket: 12_345 + i * 104_729_173 } });
        const r = await http(patron.base, 'POST', '/v1/appeal', { body, headers: { 'Content-Type': 'text/plain' } });
        assert.equal(r.status, 200, r.body.slice(0, 300));
        const { appeal } = JSON.parse(r.body);
        assert.equal(appeal?.campaign, ID, `the live campaign (priority 50) wins over the demo: ${r.body.slice(0, 200)}`);
        assertAppeal(appeal.html, appeal.variant, lang, `/v1/appeal ${appeal.variant}/${lang}`);
        seen.add(`${appeal.variant}/${lang}`);
    }
    assert.equal(seen.size, 4, `every variant and language was served: ${[...seen]}`);
    for (const variant of ['a', 'b']) {
        for (const lang of ['en', 'ru']) {
            const r = await http(patron.base, 'GET', `/embed/appeal?article=demo-article&lang=${lang}&force=${ID}:${variant}`);
            assert.equal(r.status, 200);
            assertAppeal(r.body, variant, lang, `/embed/appeal ${variant}/${lang}`);
        }
    }
    const audit = sqlite(patron.db, `SELECT action FROM audit_log WHERE detail = '${ID}' ORDER BY id`).map((r) => r.action);
    assert.deepEqual(audit, ['campaign_created', 'campaign_live']);
});

t('an image in a body loads nothing from another site (the reader\'s page talks to patron only)', async () => {
    // The widget puts /v1/appeal's html into the newsroom's own page, where
    // patron's CSP does not reach: an <img src="https://elsewhere"> there
    // would tell another site who reads what.
    const form = [
        ['id', 'image-md'], ['languages', 'en'], ['v0.id', 'a'], ['v0.frequencies', 'monthly'],
        ['v0.text.en.headline', 'Images'],
        ['v0.text.en.body', 'A pixel: ![t](https://tracker.example/p.png) and ![r](//tracker.example/r.gif) and ![l](/appeal.css)'],
    ];
    const r = await c.post('/dashboard/campaigns/preview', form);
    assert.equal(r.status, 200);
    const images = [...r.body.matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
    const elsewhere = images.filter((tag) => /\ssrc="(?:https?:)?\/\/(?!127\.0\.0\.1)/i.test(tag));
    assert.deepEqual(elsewhere, [], 'markdown images point to another site');
});
