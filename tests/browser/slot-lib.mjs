// Helpers for the tests of the slot's height (slot.test.mjs, layout.test.mjs,
// remind.test.mjs): patron's answer changed on its way to the page, held back
// until the reader is where the test wants, and the height the page reserves.

// A page in a context of its own, closed whatever happens.
export async function withPage(browser, viewport, fn) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  try {
    return await fn(page);
  } finally {
    await context.close();
  }
}

// A promise and the function that resolves it.
export function gated() {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  return { gate, release };
}

// Serves patron's own /v1/appeal answer, after `gate` when one is given, with
// change(appeal) applied to its appeal (when there is one).
export async function rewriteAppeal(page, change, gate) {
  await page.route('**/v1/appeal', async (route) => {
    if (gate) await gate;
    const response = await route.fetch();
    const json = await response.json();
    if (json.appeal) change(json.appeal);
    await route.fulfill({ response, json });
  });
}

// The height the page's stylesheet reserves for .patron-slot, whatever the
// widget has since set on the slot itself.
export const reservedByPage = (page) =>
  page.evaluate(() => {
    const probe = document.createElement('div');
    probe.className = 'patron-slot';
    probe.style.cssText = 'position:absolute;visibility:hidden';
    document.body.append(probe);
    const height = parseFloat(getComputedStyle(probe).minHeight);
    probe.remove();
    return height;
  });
