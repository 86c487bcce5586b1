// The goal ticker (issue 15, item 1) as readers meet it: in the widget's
// appeal and in the no-script frame, a progress bar that a screen reader
// announces by its sentence, with the numbers in the reader's language,
// without moving the page (CLS 0), and axe-clean at phone and desktop width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminApi, setup, layoutShifts, DESKTOP, PHONE, SLOT } from './lib.mjs';
import { axe } from './dashboard-lib.mjs';

let env;
let admin;

before(async () => {
  env = await setup();
  admin = adminApi(env);
  // The demo's generated history (an ended English test with 30 days of
  // payments) comes back live on top with a supporters goal over its dates;
  // the demo campaign (English and Russian) gets a money goal by the month.
  const history = (await admin('GET', '/v1/admin/campaigns/demo-history-ab')).campaign;
  await admin('PUT', '/v1/admin/campaigns/demo-history-ab', {
    ...history, status: 'live', priority: 50,
    goal: { kind: 'supporters', target: 5000, text: { en: '{count} of {goal} readers now support us' } },
  });
  const demo = (await admin('GET', '/v1/admin/campaigns/demo-2026')).campaign;
  await admin('PUT', '/v1/admin/campaigns/demo-2026', {
    ...demo, goal: { kind: 'amount', target: 500000, period: 'month' },
  });
});
after(async () => {
  await env?.teardown();
});

// The page's own main and heading belong to the article around the frame.
const PAGE_RULES = ['landmark-one-main', 'page-has-heading-one'];

async function axeClean(page, name, framed = false) {
  const report = await axe(page, name);
  const found = report.violations.filter((v) => !(framed && PAGE_RULES.includes(v.id)));
  assert.equal(found.length, 0, `${report.line}\n${JSON.stringify(found, null, 1).slice(0, 3000)}`);
}

/** What the accessibility tree (what a screen reader reads) says of the bar. */
async function announced(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const bar = nodes.find((n) => n.role?.value === 'progressbar');
  assert.ok(bar, 'a progressbar in the accessibility tree');
  const property = (name) => bar.properties?.find((p) => p.name === name)?.value?.value;
  return { name: bar.name?.value, now: bar.value?.value, max: property('valuemax'), min: property('valuemin') };
}

for (const viewport of [PHONE, DESKTOP]) {
  const size = `${viewport.width}px`;

  test(`the ticker renders in the appeal, is announced by its sentence, moves nothing (${size})`, async () => {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await page.goto(env.base + '/');
      const bar = page.locator(`${SLOT} .patron-ticker progress`);
      await bar.waitFor({ timeout: 15000 });
      const text = (await page.locator(`${SLOT} .patron-ticker-text`).innerText()).trim();
      const match = /^([\d,]+) of 5,000 readers now support us$/.exec(text);
      assert.ok(match, `the sentence as written, grouped the English way: ${text}`);
      const count = Number(match[1].replace(/,/g, ''));
      assert.ok(count > 0, 'the generated history has supporters');
      assert.equal(Number(await bar.getAttribute('value')), count);
      assert.equal(Number(await bar.getAttribute('max')), 5000);

      // Found by role and name, as assistive technology finds it.
      assert.equal(await page.getByRole('progressbar', { name: text }).count(), 1);
      const spoken = await announced(page);
      assert.equal(spoken.name, text, 'the accessible name is the sentence');
      assert.equal(Number(spoken.max), 5000);
      assert.equal(Number(spoken.now), count);

      const box = await bar.boundingBox();
      assert.ok(box.height >= 8 && box.width > 100, `a visible bar: ${JSON.stringify(box)}`);
      const shifts = await layoutShifts(page);
      assert.equal(shifts.total, 0, `layout shift: ${JSON.stringify(shifts.shifts)}`);
      await axeClean(page, `article with ticker (${size})`);

      // Russian readers: the demo campaign's money goal, the default
      // sentence, thousands grouped with a no-break space.
      await page.goto(env.base + '/ru');
      const ru = page.locator(`${SLOT} .patron-ticker-text`);
      await ru.waitFor({ timeout: 15000 });
      assert.match(await ru.innerText(), /^Собрано \d[\d\u00a0]*(,\d\d)?\u00a0\$ из 5\u00a0000\u00a0\$ в этом месяце$/);
      await axeClean(page, `Russian article with ticker (${size})`);
    } finally {
      await context.close();
    }
  });

  test(`without script, the frame shows the same ticker, axe-clean (${size})`, async () => {
    // axe itself needs script; the frame is a document without any of ours.
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await page.goto(env.base + '/embed/appeal?article=a&lang=en');
      const text = (await page.locator('.patron-ticker-text').innerText()).trim();
      assert.match(text, /^[\d,]+ of 5,000 readers now support us$/);
      assert.equal((await announced(page)).name, text);
      await axeClean(page, `embed with ticker (${size})`, true);
    } finally {
      await context.close();
    }
  });
}
