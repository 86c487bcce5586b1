// Shared helpers for the browser tests: start the real patron binary on a free
// loopback port, launch Debian's Chromium through playwright-core, and read
// things out of the widget's shadow root.
//
// Run: node --test tests/browser/   (PATRON_BIN overrides build/patron)
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PATRON_BIN = process.env.PATRON_BIN || path.resolve(REPO, 'build/patron');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

// The appeal inside the slot's shadow root (playwright's CSS locators pierce
// open shadow roots).
export const SLOT = '[data-patron]';
export const APPEAL = '[data-patron] .patron-appeal';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts `patron demo` with its own data folder and waits for /healthz.
// Returns { base, stop(), output() }.
export async function startPatron() {
  if (!existsSync(PATRON_BIN)) {
    throw new Error(`patron binary not found at ${PATRON_BIN}: build it (make) or set PATRON_BIN`);
  }
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'patron-browser-'));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(PATRON_BIN, ['demo', '--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk) => {
    log += chunk;
    if (log.length > 200000) log = log.slice(-100000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    // A binary being rebuilt right now (ETXTBSY, EACCES) or missing.
    child.on('error', (err) => {
      exited = { error: err.message };
      resolve(exited);
    });
  });

  const deadline = Date.now() + 20000;
  for (;;) {
    if (exited) {
      throw new Error(`patron exited early (${JSON.stringify(exited)}):\n${log}`);
    }
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) break;
    } catch (err) {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`patron did not answer /healthz within 20 s:\n${log}`);
    }
    await sleep(100);
  }

  return {
    base,
    output: () => log,
    // The admin token `patron demo` made for this run (for /metrics).
    adminToken: () => /Authorization: Bearer ([A-Za-z0-9_-]+)\)/.exec(log)?.[1] ?? '',
    // The exit status when patron has stopped on its own (a crash), else null.
    crashed: () => exited,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timeout = sleep(10000).then(() => 'timeout');
        if ((await Promise.race([exit, timeout])) === 'timeout') {
          child.kill('SIGKILL');
          await exit;
        }
      }
      await rm(dataDir, { recursive: true, force: true });
      return exited;
    },
  };
}

/** Debian's Chromium, headless and quiet (no background requests of its
 *  own); extraArgs for a test's own switches (--host-resolver-rules). Also
 *  used by tests/payments. */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

// One server and one browser for a test file.
export async function setup() {
  const patron = await startPatron();
  let browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await patron.stop();
    throw err;
  }
  // PATRON_LIVE_WEB=1 serves the working tree's web files (the widget from
  // web/dist/, built by `npm run build:web`) in place of those compiled into
  // the binary, keeping patron's headers: a development aid for trying web/
  // changes without rebuilding the server. size.test.mjs still checks the binary.
  if (process.env.PATRON_LIVE_WEB) {
    const live = {
      '/widget.js': 'web/dist/widget.js',
      '/appeal.css': 'web/appeal.css',
      '/demo.css': 'web/demo/demo.css',
      '/': 'web/demo/article-en.html',
      '/ru': 'web/demo/article-ru.html',
    };
    const newContext = browser.newContext.bind(browser);
    browser.newContext = async (options) => {
      const context = await newContext(options);
      await context.route(
        (url) => url.origin === patron.base && url.pathname in live && !url.search,
        async (route) => {
          const file = live[new URL(route.request().url()).pathname];
          const response = await route.fetch();
          await route.fulfill({ response, body: readFileSync(path.join(REPO, file)) });
        }
      );
      return context;
    };
  }
  return {
    patron,
    browser,
    base: patron.base,
    async teardown() {
      await browser.close();
      const crash = patron.crashed();
      await patron.stop();
      if (crash) {
        throw new Error(`patron stopped during the tests (${JSON.stringify(crash)}):\n${patron.output().slice(-4000)}`);
      }
    },
  };
}

// The reader state the widget keeps, parsed (null when absent).
export const readerState = (page) =>
  page.evaluate(() => JSON.parse(localStorage.getItem('patron') || 'null'));

// Sum of every layout-shift entry so far (no input filter: nothing here is
// input), with the shifted nodes for the failure message.
export const layoutShifts = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve) => {
        const shifts = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            shifts.push({
              value: e.value,
              hadRecentInput: e.hadRecentInput,
              sources: (e.sources || []).map((s) => {
                const n = s.node;
                return n && n.nodeType === 1
                  ? `${n.tagName.toLowerCase()}.${n.className}`
                  : String(n && n.nodeName);
              }),
            });
          }
        }).observe({ type: 'layout-shift', buffered: true });
        setTimeout(
          () => resolve({ total: shifts.reduce((sum, s) => sum + s.value, 0), shifts }),
          300
        );
      })
  );

// Geometry of the slot, the appeal and the footer, in page coordinates.
export const geometry = (page) =>
  page.evaluate(() => {
    const box = (el) => {
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { top: r.top + scrollY, bottom: r.bottom + scrollY, height: r.height };
    };
    const slot = document.querySelector('[data-patron]');
    const appeal = slot && slot.shadowRoot && slot.shadowRoot.querySelector('.patron-appeal');
    return {
      slot: box(slot),
      reserved: slot ? parseFloat(getComputedStyle(slot).minHeight) : null,
      appeal: box(appeal),
      appealScrolls: appeal ? appeal.scrollHeight > appeal.clientHeight + 1 : null,
      footer: box(document.querySelector('footer')),
    };
  });

/** The admin API of the demo server env.patron runs, with its printed token:
 *  admin(method, path, body) answers the parsed JSON and fails the test on
 *  any status from 300 up. */
export function adminApi(env) {
  const token = env.patron.adminToken();
  assert.ok(token, 'the demo printed its admin token');
  return async (method, path, body) => {
    const r = await fetch(env.base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
    return JSON.parse(text);
  };
}
