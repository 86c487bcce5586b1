// The newsroom's dashboard in headless Chromium, from sign-in to a live A/B
// test and its report: an editor signs in, creates a campaign with two
// variants (a, b) in two languages (en, ru) through the editor's form, watches
// the live preview follow the typing (both languages, phone and desktop),
// sets it live, and the demo article shows one of its variants. Then traffic
// through the real endpoints (appeals for readers with different buckets,
// impressions and clicks, stand-in checkouts), the reports page and its
// charts, each CSV download against the database, sign-out, and a session
// that expires on a moved clock.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import {
    APPEAL, DESKTOP, PHONE, addUser, appealFor, flushCounts, newPage, pledge, sendEvents, setupDashboard, signIn, sqlite,
} from './dashboard-lib.mjs';
import { csvObjects } from '../http/dashboard-lib.mjs';

let env;
let page; // the editor's, one tab all along
const EDITOR = 'eda.editor@demo-times.example';
const ID = 'spring-ab-test';
const NAME = 'Spring A/B: short or long headline';
const TEXT = {
    a: {
        en: { headline: 'Journalism that answers to you', body: 'Support us from **$2** a month.', support: 'Support us' },
        ru: { headline: 'Журналистика, подотчётная вам', body: 'Поддержите нас от **$2** в месяц.', support: 'Поддержать' },
    },
    b: {
        en: { headline: 'Keep this newsroom independent', body: 'Every pledge keeps us *free* to report.', support: 'Give monthly' },
        ru: { headline: 'Сохраните редакцию независимой', body: 'Каждое пожертвование помогает нам.', support: 'Помогать ежемесячно' },
    },
};
const today = new Date().toISOString().slice(0, 10);

before(async () => {
    env = await setupDashboard({ label: 'dash-flow' });
    addUser(env.patron, EDITOR, 'editor');
    page = await newPage(env.browser, { viewport: DESKTOP });
});

after(async () => {
    await page?.context().close().catch(() => {});
    await env?.teardown();
});

const t = (name, fn) => test(name, { timeout: 90_000 }, async () => {
    try {
        await fn();
        assert.deepEqual(page.errors.splice(0), [], 'script errors or failed loads in the dashboard');
    } catch (e) {
        try { e.message += `\n--- page ${page?.url()}\n--- patron (tail) ---\n${env.patron.stderr().slice(-3000)}`; } catch { /* read-only */ }
        throw e;
    }
});

/** The stored document of the campaign, or null. */
function stored(id = ID) {
    const rows = sqlite(env.patron.db, `SELECT document FROM campaigns WHERE id = '${id}'`);
    return rows.length ? JSON.parse(rows[0].document) : null;
}

/** The editor's block of variant n (0-based): a fieldset with a legend "Variant N…" or "Another variant". */
const variantBlock = (n) => page.locator('fieldset.campaign-variant').nth(n);
/** The text fields of one variant in one language. */
const textIn = (n, lang) => variantBlock(n).locator('fieldset', { has: page.locator('legend', { hasText: `Text in ${lang}` }) });

async function fillText(n, variant, lang) {
    const box = textIn(n, lang);
    await box.getByLabel('Headline', { exact: true }).fill(TEXT[variant][lang].headline);
    await box.getByLabel('Body', { exact: true }).fill(TEXT[variant][lang].body);
    await box.getByLabel('Support button', { exact: true }).fill(TEXT[variant][lang].support);
}

/** The document in a preview frame (what the server sent into its srcdoc). */
const frameDocument = (name) => page.locator(`iframe[name="${name}"]`).getAttribute('srcdoc');

async function waitForPreview(name, text, timeout = 10_000) {
    const deadline = Date.now() + timeout;
    let last = '';
    for (let i = 0; i < 400 && Date.now() < deadline; i++) {
        last = (await frameDocument(name)) ?? '';
        if (last.includes(text)) return last;
        await page.waitForTimeout(50);
    }
    assert.fail(`the preview ${name} never showed ${JSON.stringify(text)}; it has: ${last.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 400)}`);
}

t('sign in: the dashboard sends an anonymous editor to sign in, then back', async () => {
    const r = await page.goto(`${env.base}/dashboard/campaigns`);
    assert.equal(new URL(page.url()).pathname, '/dashboard/login', 'anonymous goes to sign-in');
    assert.equal(r.status(), 200);
    await signIn(page, env.base, EDITOR, undefined, '/dashboard/campaigns');
    assert.equal(new URL(page.url()).pathname, '/dashboard/campaigns');
    await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Campaigns' }).getAttribute('aria-current'), 'page');
    // An editor sees campaigns and reports, not the admin's pages.
    const nav = await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link').allInnerTexts();
    assert.deepEqual(nav, ['Campaigns', 'Reports']);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === '__Host-patron_session');
    assert.ok(session, 'Chromium kept the __Host- session cookie on http://127.0.0.1');
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, 'Strict');
});

t('create a campaign with variants a and b in en and ru through the editor form', async () => {
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.waitForURL(/\/dashboard\/campaigns\/new$/);
    await page.getByLabel('Id', { exact: true }).fill(ID);
    await page.getByLabel('Name', { exact: true }).fill(NAME);
    await page.getByLabel('Priority', { exact: true }).fill('50'); // above the demo campaign's 10
    await page.getByLabel('Languages', { exact: true }).fill('en, ru');
    // The ru boxes appear as soon as ru is typed, in every variant block
    // (issue 9, item 8): no round trip, no failed first Create.
    await textIn(0, 'ru').getByLabel('Headline', { exact: true }).waitFor({ timeout: 3_000 });
    await textIn(1, 'ru').getByLabel('Headline', { exact: true }).waitFor({ state: 'attached', timeout: 3_000 });
    await page.locator('.preview-language[data-preview-language="ru"] iframe[name="preview-ru-phone"]').waitFor({ state: 'attached', timeout: 3_000 });
    // The A/B test's fields are folded until opened.
    assert.equal(await page.getByLabel('Test id', { exact: true }).isVisible(), false, 'the A/B test part starts folded');
    await page.locator('summary', { hasText: 'A/B test' }).click();
    await page.getByLabel('Test id', { exact: true }).fill('spring-headline');
    // Variant 1 is "a" already; the block after it adds "b".
    assert.equal(await variantBlock(0).getByLabel('Variant id', { exact: true }).inputValue(), 'a');
    await variantBlock(0).getByLabel('Monthly', { exact: true }).check();
    await fillText(0, 'a', 'en');
    // The en preview shows the en text while the ru text is still missing.
    await waitForPreview('preview-en-phone', TEXT.a.en.headline);
    // The block for another variant is folded until wanted.
    assert.equal(await variantBlock(1).getByLabel('Variant id', { exact: true }).isVisible(), false);
    await page.locator('summary', { hasText: 'Add another variant' }).click();
    await variantBlock(1).getByLabel('Variant id', { exact: true }).fill('b');
    await variantBlock(1).getByLabel('Monthly', { exact: true }).check();
    await fillText(1, 'b', 'en');
    await fillText(0, 'a', 'ru');
    await fillText(1, 'b', 'ru');
    await waitForPreview('preview-ru-phone', TEXT.a.ru.headline);
    await page.getByRole('button', { name: 'Create the campaign' }).click();
    await page.waitForLoadState('load');
    assert.match(page.url(), new RegExp(`/dashboard/campaigns/${ID}\\?notice=(created|saved)$`), `after saving: ${page.url()}`);
    await page.getByRole('status').filter({ hasText: /saved|created/i }).first().waitFor();
    const doc = stored();
    assert.ok(doc, 'the campaign is in the database');
    assert.equal(doc.status ?? 'draft', 'draft', 'a new campaign starts as a draft');
    assert.equal(doc.priority, 50);
    assert.deepEqual(doc.languages, ['en', 'ru']);
    assert.deepEqual(doc.variants.map((v) => v.id), ['a', 'b']);
    for (const [i, v] of ['a', 'b'].entries()) {
        for (const lang of ['en', 'ru']) {
            assert.equal(doc.variants[i].text[lang].headline, TEXT[v][lang].headline, `${v}/${lang} headline`);
            assert.equal(doc.variants[i].text[lang].body, TEXT[v][lang].body, `${v}/${lang} body`);
        }
    }
});

t('the live preview follows the typing, in en and ru, at phone and desktop widths', async () => {
    await page.goto(`${env.base}/dashboard/campaigns/${ID}`);
    const frames = ['en', 'ru'].flatMap((lang) => ['phone', 'desktop'].map((size) => `preview-${lang}-${size}`));
    for (const name of frames) assert.equal(await page.locator(`iframe[name="${name}"]`).count(), 1, `the frame ${name}`);
    assert.equal(await page.locator('iframe[name="preview-en-phone"]').getAttribute('width'), '375');
    assert.equal(await page.locator('iframe[name="preview-en-desktop"]').getAttribute('width'), '720');
    // What the server rendered at first: variant a in each language.
    assert.ok((await frameDocument('preview-en-phone')).includes(TEXT.a.en.headline));
    assert.ok((await frameDocument('preview-ru-desktop')).includes(TEXT.a.ru.headline));
    await page.locator('.campaign-preview[data-live]').waitFor({ state: 'attached' }); // dashboard.js is running

    // Typing changes every frame of that language, and only that language.
    const typedEn = 'Journalism that answers to you, live';
    await textIn(0, 'en').getByLabel('Headline', { exact: true }).fill('');
    await textIn(0, 'en').getByLabel('Headline', { exact: true }).pressSequentially(typedEn, { delay: 5 });
    await waitForPreview('preview-en-phone', typedEn);
    await waitForPreview('preview-en-desktop', typedEn);
    assert.ok(!(await frameDocument('preview-ru-phone')).includes(typedEn), 'the ru preview keeps the ru text');
    const typedRu = 'Журналистика, подотчётная вам: сейчас';
    await textIn(0, 'ru').getByLabel('Headline', { exact: true }).fill(typedRu);
    await waitForPreview('preview-ru-phone', typedRu);
    await waitForPreview('preview-ru-desktop', typedRu);
    // Markdown in the body is rendered as the reader will see it.
    await textIn(0, 'en').getByLabel('Body', { exact: true }).fill('Support us from **$3** a month.');
    const body = await waitForPreview('preview-en-desktop', '<strong>$3</strong>');
    assert.match(body, /class="patron-body"/);

    // The frames show the appeal at their width: phone narrower than desktop.
    const phone = page.frameLocator('iframe[name="preview-en-phone"]').locator('.patron-appeal');
    const desktop = page.frameLocator('iframe[name="preview-en-desktop"]').locator('.patron-appeal');
    await phone.waitFor();
    const [pw, dw] = [(await phone.boundingBox()).width, (await desktop.boundingBox()).width];
    assert.ok(pw <= 375 && dw > pw, `appeal widths: phone ${pw}, desktop ${dw}`);
    assert.equal(await page.frameLocator('iframe[name="preview-ru-phone"]').locator('.patron-headline').innerText(), typedRu);

    // The variant picker switches every frame to b.
    await page.getByLabel('Variant', { exact: true }).selectOption('b');
    await waitForPreview('preview-en-phone', TEXT.b.en.headline);
    await waitForPreview('preview-ru-desktop', TEXT.b.ru.headline);

    // Nothing of this was saved; put the text back and save.
    assert.equal(stored().variants[0].text.en.headline, TEXT.a.en.headline, 'the preview saves nothing');
    await textIn(0, 'en').getByLabel('Headline', { exact: true }).fill(TEXT.a.en.headline);
    await textIn(0, 'ru').getByLabel('Headline', { exact: true }).fill(TEXT.a.ru.headline);
    await textIn(0, 'en').getByLabel('Body', { exact: true }).fill(TEXT.a.en.body);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(new RegExp(`/dashboard/campaigns/${ID}\\?notice=saved$`));
    assert.equal(stored().variants[0].text.en.headline, TEXT.a.en.headline);

    // On a phone the editor and its preview still fit: no sideways scrolling.
    await page.setViewportSize(PHONE);
    await page.reload();
    assert.ok(await page.getByLabel('Id', { exact: true }).isVisible());
    assert.ok(await page.getByRole('button', { name: 'Save', exact: true }).isVisible());
    await page.locator('iframe[name="preview-en-phone"]').scrollIntoViewIfNeeded();
    assert.ok(await page.locator('iframe[name="preview-en-phone"]').isVisible());
    const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scrollWidth <= innerWidth, `the editor scrolls sideways on a phone: ${scrollWidth} > ${innerWidth}`);
    await page.setViewportSize(DESKTOP);
});

t('errors of a refused save go away as their fields are put right', async () => {
    await page.goto(`${env.base}/dashboard/campaigns/new`);
    await page.getByLabel('Id', { exact: true }).fill('stale-errors');
    await variantBlock(0).getByLabel('Monthly', { exact: true }).check();
    await page.getByRole('button', { name: 'Create the campaign' }).click();
    await page.waitForLoadState('load');
    const headline = textIn(0, 'en').getByLabel('Headline', { exact: true });
    assert.equal(await headline.getAttribute('aria-invalid'), 'true', 'the empty headline is refused');
    assert.equal(await page.locator('#f-v0-text-en-headline-error').count(), 1);
    assert.equal(await page.locator('#campaign-errors li').count(), 1);
    await headline.fill('Now there is a headline');
    await page.locator('#f-v0-text-en-headline-error').waitFor({ state: 'detached', timeout: 5_000 });
    assert.equal(await headline.getAttribute('aria-invalid'), null, 'no longer marked invalid');
    assert.equal(await page.locator('#campaign-errors').count(), 0, 'the list of errors is gone with its last error');
    assert.equal(stored('stale-errors'), null, 'nothing was saved');
});

t('copy that names a smaller amount, or another currency, gets a warning beside it as it is typed', async () => {
    await page.goto(`${env.base}/dashboard/campaigns/${ID}`);
    // One row of amounts per way to give ticked.
    await page.locator('.campaign-preview[data-live]').waitFor({ state: 'attached' });
    const oneOff = variantBlock(0).getByLabel('One-off: suggested amounts', { exact: true });
    const offered = variantBlock(0).getByLabel('One-off', { exact: true });
    assert.equal(await oneOff.isVisible(), await offered.isChecked());
    await offered.uncheck();
    assert.equal(await oneOff.isVisible(), false, 'no one-off row while one-off is not offered');
    await offered.check();
    assert.equal(await oneOff.isVisible(), true, 'ticking one-off shows its row');
    await variantBlock(0).getByLabel('Monthly: suggested amounts', { exact: true }).fill('3, 5, 10');
    await textIn(0, 'en').getByLabel('Body', { exact: true }).fill('Support us from **$2** a month.');
    const warning = page.locator('#f-v0-text-en-body-warning');
    await warning.waitFor({ timeout: 5_000 });
    assert.match(await warning.innerText(), /\$2.*\$3/);
    await textIn(0, 'en').getByLabel('Body', { exact: true }).fill('Support us from **$3** a month.');
    await warning.waitFor({ state: 'detached', timeout: 5_000 });
    await textIn(0, 'ru').getByLabel('Body', { exact: true }).fill('Поддержите нас от **€3**.');
    // The ru text named $2 already; its warning now names the other currency.
    await page.locator('#f-v0-text-ru-body-warning', { hasText: 'USD' }).waitFor({ timeout: 5_000 });
});

t('a preview taller than the slot the page reserves gets a warning beside it', async () => {
    await page.goto(`${env.base}/dashboard/campaigns/${ID}`);
    await page.locator('.campaign-preview[data-live]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('.preview-height').count(), 0, 'the short appeal fits');
    const long = Array.from({ length: 14 }, (_, i) => `Paragraph ${i + 1}: we need your help to keep reporting.`).join('\n\n');
    await textIn(0, 'en').getByLabel('Body', { exact: true }).fill(long);
    const phone = page.locator('.preview-language[data-preview-language="en"] .preview-phone .preview-height');
    await phone.waitFor({ timeout: 10_000 });
    assert.match(await phone.innerText(), /375 pixels wide .* \d+ pixels tall, but article pages keep 460/);
    await page.locator('.preview-language[data-preview-language="en"] .preview-desktop .preview-height').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.preview-language[data-preview-language="ru"] .preview-height').count(), 0, 'the ru text still fits');
});

t('on a phone the preview is one tap away, and back', async () => {
    const phone = await newPage(env.browser, { viewport: { width: 390, height: 844 } });
    try {
        await phone.context().addCookies(await page.context().cookies());
        await phone.goto(`${env.base}/dashboard/campaigns/${ID}`);
        await phone.getByRole('button', { name: 'Show the preview' }).waitFor();
        const toggle = phone.locator('.campaign-preview-toggle');
        const frame = phone.locator('iframe[name="preview-en-phone"]');
        const before = await frame.boundingBox();
        assert.ok(before.y > 844, `the preview starts below the form (${before.y})`);
        await toggle.click();
        assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
        const box = await frame.boundingBox();
        assert.ok(box.y >= 0 && box.y < 844, `the preview is on screen without scrolling (${box.y})`);
        await phone.getByRole('button', { name: 'Back to the form' }).click();
        assert.ok(await phone.getByLabel('Id', { exact: true }).isVisible());
        assert.deepEqual(phone.errors, []);
    } finally {
        await phone.context().close();
    }
});

t('set it live; the demo article then shows one of its variants, in en and in ru', async () => {
    await page.goto(`${env.base}/dashboard/campaigns`);
    const row = page.getByRole('row', { name: new RegExp(NAME.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')) });
    await row.getByRole('button', { name: `Set live ${NAME}` }).click();
    await page.waitForURL(/\/dashboard\/campaigns\?notice=live/);
    await page.getByRole('status').filter({ hasText: ID }).waitFor();
    assert.equal(stored().status, 'live');

    const reader = await newPage(env.browser, { viewport: DESKTOP });
    try {
        for (const [path, lang] of [['/', 'en'], ['/ru', 'ru']]) {
            await reader.goto(`${env.base}${path}`);
            const appeal = reader.locator(APPEAL);
            await appeal.waitFor({ state: 'visible', timeout: 15_000 });
            assert.equal(await appeal.getAttribute('data-campaign'), ID, `the article ${path} shows the new campaign`);
            const variant = await appeal.getAttribute('data-variant');
            assert.ok(['a', 'b'].includes(variant), variant);
            assert.equal((await reader.locator('[data-patron] .patron-headline').innerText()).trim(), TEXT[variant][lang].headline);
        }
    } finally {
        await reader.context().close();
    }
});

/* What the traffic below made, counted by the test. */
const sent = { a: { impression: 0, click: 0, pledges: 0, revenue: 0 }, b: { impression: 0, click: 0, pledges: 0, revenue: 0 } };
let countsBefore = null;

/** Event counts of the campaign today, per variant and kind, from the database. */
function dbCounts() {
    const out = { a: {}, b: {} };
    for (const r of sqlite(env.patron.db, `SELECT variant, kind, count FROM event_counts WHERE campaign = '${ID}' AND day = '${today}'`)) {
        if (out[r.variant]) out[r.variant][r.kind] = r.count;
    }
    return out;
}
const n = (x) => x ?? 0;

t('traffic through the real endpoints: appeals by bucket, impressions, clicks, stand-in checkouts', async () => {
    await flushCounts(env.base);
    countsBefore = dbCounts(); // the article views above may have counted already
    const events = [];
    for (let i = 0; i < 80; i++) {
        const appeal = await appealFor(env.base, 7 + i * 53_687_091);
        assert.equal(appeal?.campaign, ID, 'the live campaign wins for every reader');
        const v = appeal.variant;
        sent[v].impression++;
        events.push({ kind: 'impression', campaign: ID, variant: v });
        if (i % 3 === 0) {
            sent[v].click++;
            events.push({ kind: 'click', campaign: ID, variant: v });
        }
    }
    assert.ok(sent.a.impression > 10 && sent.b.impression > 10, `both variants drawn: ${JSON.stringify(sent)}`);
    await sendEvents(env.base, events);
    const plan = [['a', '4'], ['a', '6'], ['b', '5'], ['b', '7'], ['b', '10']];
    for (const [i, [variant, amount]] of plan.entries()) {
        await pledge(env.patron, env.standin, { campaign: ID, variant, amount, email: `reader${i}@example.org` });
        sent[variant].pledges++;
        sent[variant].revenue += Number(amount) * 100;
    }
    await env.standin.idle();
    await flushCounts(env.base);
    const after = dbCounts();
    for (const v of ['a', 'b']) {
        assert.equal(n(after[v].impression) - n(countsBefore[v].impression), sent[v].impression, `${v} impressions`);
        assert.equal(n(after[v].click) - n(countsBefore[v].click), sent[v].click, `${v} clicks`);
        assert.equal(n(after[v].pledge_pending) - n(countsBefore[v].pledge_pending), sent[v].pledges, `${v} checkouts started`);
    }
    const active = sqlite(env.patron.db, `SELECT variant, count(*) AS n FROM pledges WHERE campaign = '${ID}' AND status = 'active' GROUP BY variant`);
    assert.deepEqual(Object.fromEntries(active.map((r) => [r.variant, r.n])), { a: 2, b: 3 });
});

/** Expected funnel numbers per variant, from the database. */
function expected() {
    const counts = dbCounts();
    const out = {};
    for (const v of ['a', 'b']) {
        const paid = sqlite(env.patron.db, `SELECT count(DISTINCT p.id) AS pledges, coalesce(sum(y.amount_minor), 0) AS revenue FROM pledges p LEFT JOIN payments y ON y.pledge_id = p.id WHERE p.campaign = '${ID}' AND p.variant = '${v}' AND p.status = 'active'`)[0];
        out[v] = {
            impressions: n(counts[v].impression), clicks: n(counts[v].click), checkouts: n(counts[v].pledge_pending),
            pledges: paid.pledges, revenue: paid.revenue,
        };
    }
    return out;
}
const money = (minor) => (minor / 100).toFixed(2);
const grouped = (x) => x.toLocaleString('en');

t('the reports page: the funnel, the verdict and the day match the database; the charts are drawn', async () => {
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Reports' }).click();
    await page.waitForURL(/\/dashboard\/reports/);
    await page.getByLabel('Campaign', { exact: true }).selectOption(ID);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(new RegExp(`campaign=${ID}`));
    const want = expected();
    assert.equal(want.a.pledges + want.b.pledges, 5);

    // The funnel table, one row per variant, then the total.
    const funnel = page.locator('#funnel-table');
    const headers = await funnel.locator('thead th').allInnerTexts();
    const column = (label) => headers.findIndex((h) => h.trim() === label);
    for (const v of ['a', 'b']) {
        const cells = await funnel.locator('tbody tr', { has: page.locator('th', { hasText: ID }) }).filter({ has: page.locator(`td:text-is("${v}"), td:has-text("${v} (control)")`) }).first().locator('th, td').allInnerTexts();
        assert.equal(cells[column('Variant')].replace(/\s*\(control\)$/, ''), v);
        assert.equal(cells[column('Impressions')], grouped(want[v].impressions), `${v} impressions on the page`);
        assert.equal(cells[column('Clicks')], grouped(want[v].clicks), `${v} clicks`);
        assert.equal(cells[column('Checkouts started')], grouped(want[v].checkouts), `${v} checkouts`);
        assert.equal(cells[column('Pledges')], grouped(want[v].pledges), `${v} pledges`);
        assert.equal(cells[column('First-month revenue')], money(want[v].revenue), `${v} revenue`);
        assert.equal(cells[column('Conversion')], `${(100 * want[v].pledges / want[v].impressions).toFixed(2)}%`, `${v} conversion`);
    }
    const total = await funnel.locator('tfoot tr').locator('th, td').allInnerTexts();
    assert.equal(total[column('Impressions')], grouped(want.a.impressions + want.b.impressions));
    assert.equal(total[column('Pledges')], '5');

    // The A/B verdict: b against the control a, with the same counts.
    const verdict = await page.locator('#verdict-table tbody tr').first().locator('th, td').allInnerTexts();
    const vh = await page.locator('#verdict-table thead th').allInnerTexts();
    const vcol = (re) => vh.findIndex((h) => re.test(h));
    assert.equal(verdict[vcol(/^Variant$/)], 'b');
    assert.equal(verdict[vcol(/^Control$/)], 'a');
    assert.equal(verdict[vcol(/^Impressions/)], `${want.a.impressions} / ${want.b.impressions}`);
    assert.equal(verdict[vcol(/^Pledges/)], `${want.a.pledges} / ${want.b.pledges}`);
    assert.match(verdict[vcol(/^Conversion verdict$/)], /^(not yet known|ahead|behind)$/);
    assert.equal(verdict[vcol(/^Conversion verdict$/)], 'not yet known', 'under 100 impressions an arm: too little data');

    // Today in the day-by-day table.
    const day = await page.locator('#daily-table tbody tr', { has: page.locator(`th:text-is("${today}")`) }).locator('th, td').allInnerTexts();
    assert.equal(day[1], grouped(want.a.impressions + want.b.impressions), 'today\'s impressions');
    assert.equal(day[2], '5', 'today\'s pledges');
    assert.equal(day[4], money(want.a.revenue + want.b.revenue), 'today\'s revenue received');

    // The charts: their data block says the same, and each is drawn on a canvas.
    const data = JSON.parse(await page.locator('#reports-data').textContent());
    // The funnel is drawn by the server, per campaign, in its real order.
    const steps = await page.locator('#reports-funnel-chart .reports-funnel-campaign', { has: page.locator(`h3:text-is("${ID}")`) }).locator('li').allInnerTexts();
    assert.deepEqual(steps.map((s) => s.split(/\s+\(/)[0].trim()), [
        `Impressions ${grouped(want.a.impressions + want.b.impressions)}`, `Clicks ${grouped(want.a.clicks + want.b.clicks)}`,
        `Checkouts started ${grouped(want.a.checkouts + want.b.checkouts)}`, 'Pledges 5',
    ]);
    const i = data.days.indexOf(Date.parse(`${today}T00:00:00Z`) / 1000);
    assert.ok(i >= 0, 'today is in the chart data');
    assert.equal(data.impressions[i], want.a.impressions + want.b.impressions);
    assert.equal(Number(data.revenue[i]), (want.a.revenue + want.b.revenue) / 100);
    for (const id of ['reports-traffic-chart', 'reports-conversion-chart']) {
        const figure = page.locator(`#${id}`);
        await figure.locator('canvas').first().waitFor({ timeout: 10_000 });
        assert.equal(await figure.getAttribute('hidden'), null, `${id} is shown once drawn`);
        const box = await figure.locator('canvas').first().boundingBox();
        assert.ok(box && box.width > 200 && box.height > 100, `${id} has a drawn canvas: ${JSON.stringify(box)}`);
    }
});

/** Clicks a download link and returns the file's text. */
async function download(link) {
    const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const path = await file.path();
    return { name: file.suggestedFilename(), text: fs.readFileSync(path, 'utf8') };
}

t('each CSV download matches the database', async () => {
    const want = expected();
    const links = page.getByRole('link', { name: 'Download this table (CSV)' });
    assert.equal(await links.count(), 4);
    const files = {};
    for (let i = 0; i < 4; i++) {
        const { name, text } = await download(links.nth(i));
        const kind = /^patron-(funnel|verdict|supporters|daily)-/.exec(name)?.[1];
        assert.ok(kind, `a download named ${name}`);
        assert.ok(name.endsWith(`-${ID}.csv`), `the file name says the campaign: ${name}`);
        files[kind] = csvObjects(text);
    }
    for (const v of ['a', 'b']) {
        const row = files.funnel.find((r) => r.campaign === ID && r.variant === v);
        assert.ok(row, `funnel.csv has ${ID}/${v}`);
        assert.equal(Number(row.impressions), want[v].impressions, `funnel.csv ${v} impressions`);
        assert.equal(Number(row.clicks), want[v].clicks);
        assert.equal(Number(row.checkouts_started), want[v].checkouts);
        assert.equal(Number(row.pledges), want[v].pledges);
        assert.equal(row.first_month_revenue, money(want[v].revenue));
        assert.equal(Number(row.conversion).toFixed(6), (want[v].pledges / want[v].impressions).toFixed(6));
    }
    const verdict = files.verdict.find((r) => r.campaign === ID && r.variant === 'b');
    assert.ok(verdict, 'verdict.csv has b');
    assert.equal(verdict.control, 'a');
    assert.deepEqual([Number(verdict.impressions_control), Number(verdict.impressions_variant)], [want.a.impressions, want.b.impressions]);
    assert.deepEqual([Number(verdict.pledges_control), Number(verdict.pledges_variant)], [want.a.pledges, want.b.pledges]);
    assert.equal(verdict.conversion_verdict, 'not yet known');
    const day = files.daily.find((r) => r.day === today);
    assert.equal(Number(day.impressions), want.a.impressions + want.b.impressions);
    assert.equal(Number(day.pledges), 5);
    assert.equal(day.revenue, money(want.a.revenue + want.b.revenue));
    const month = files.supporters.at(-1);
    assert.ok(month.month.startsWith(today.slice(0, 7)), `the last month is this one: ${month.month}`);
    const monthly = sqlite(env.patron.db, `SELECT count(*) AS n, sum(amount_minor) AS mrr FROM pledges WHERE campaign = '${ID}' AND status = 'active' AND frequency = 'monthly'`)[0];
    assert.equal(Number(month.new), monthly.n, 'supporters.csv: new this month');
    assert.equal(Number(month.active_at_end), monthly.n);
    assert.equal(month.mrr, money(monthly.mrr));
});

t('sign out: back to sign-in, and the dashboard is closed to the old cookie', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === '__Host-patron_session');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/dashboard\/login\?signed_out=1$/);
    await page.getByText('You have signed out.').waitFor();
    assert.equal((await page.context().cookies()).find((c) => c.name === '__Host-patron_session'), undefined, 'the cookie is gone');
    await page.goto(`${env.base}/dashboard/reports`);
    assert.equal(new URL(page.url()).pathname, '/dashboard/login');
    // Even put back by hand, the old cookie opens nothing.
    await page.context().addCookies([cookie]);
    await page.goto(`${env.base}/dashboard/reports`);
    const url = new URL(page.url());
    assert.equal(url.pathname, '/dashboard/login');
    assert.equal(url.searchParams.get('expired'), '1');
});

t('an expired session is sent back to sign-in, then on to where it was going', async () => {
    await page.context().clearCookies();
    await signIn(page, env.base, EDITOR, undefined, '/dashboard/campaigns');
    await env.patron.restart({ PATRON_CLOCK_OFFSET: String(31 * 60) }); // 31 idle minutes later
    await page.goto(`${env.base}/dashboard/campaigns/${ID}`);
    const url = new URL(page.url());
    assert.equal(url.pathname, '/dashboard/login');
    assert.equal(url.searchParams.get('expired'), '1');
    assert.equal(url.searchParams.get('next'), `/dashboard/campaigns/${ID}`);
    await page.getByText('Your session has ended. Sign in again to go on.').waitFor();
    await page.getByLabel('Email address').fill(EDITOR);
    await page.getByLabel('Password').fill('correct horse battery staple');
    await Promise.all([page.waitForURL(new RegExp(`/dashboard/campaigns/${ID}$`)), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.getByRole('heading', { level: 1, name: `Campaign ${ID}` }).waitFor();
});
