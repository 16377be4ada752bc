// Shared helpers for the browser tests: start a real `orderflow serve` on a
// fresh SQLite database, drive Debian's chromium through playwright-core,
// collect console errors, call the API directly, save screenshots.

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BINARY = process.env.ORDERFLOW_BINARY || path.join(REPO, 'build', 'orderflow');
export const SCREENSHOTS = process.env.ORDERFLOW_SCREENSHOTS || path.join(REPO, 'build', 'screenshots');

/** Starts the server; resolves once it prints "listening on http://…". */
export async function startServer(extraArgs = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'orderflow-e2e-'));
  const token = randomBytes(16).toString('hex');
  const args = [
    'serve', '--listen', '127.0.0.1:0', '--db', `sqlite:${path.join(dir, 'of.db')}`,
    '--admin-token', token, '--ship-delay', '0', '--deliver-delay', '0', '--low-stock-scan', '1',
    ...extraArgs,
  ];
  const proc = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${log}`)), 30000);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (chunk) => { log += chunk.toString(); });
    proc.on('error', (err) => { clearTimeout(timer); reject(err); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${log}`)); });
  });
  // Keep draining the pipes so the server never blocks on a full one.
  proc.stdout.on('data', () => {});
  proc.stderr.on('data', () => {});
  const server = {
    url, token, dir, proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Calls the API as the admin for `store`. Returns {status, body}. */
export async function api(server, route, { method = 'GET', body, store = 'X', headers = {} } = {}) {
  const res = await fetch(`${server.url}${route}`, {
    method,
    headers: {
      Authorization: `Bearer ${server.token}`,
      ...(store ? { 'X-Store-ID': store } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return { status: res.status, body: json };
}

/** Posts an order as a client would. */
export async function placeOrder(server, { store = 'X', customerName = 'Test Customer', items, token } = {}) {
  const body = {
    orderId: randomUUID(),
    customerName,
    customerEmail: `${customerName.toLowerCase().replace(/\W+/g, '.')}@example.com`,
    items: items || [{ productName: 'Motia Smartwatch V2', quantity: 1 }],
  };
  if (token) body.payment = { token };
  const res = await api(server, '/api/order', { method: 'POST', body, store, headers: { 'Idempotency-Key': body.orderId } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`order failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls `fn` until it returns a truthy value. */
export async function waitFor(fn, { timeout = 15000, interval = 100, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${message} (last: ${JSON.stringify(last)})`);
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

// The live stream is optional: while /api/events/stream is missing the page
// falls back to polling, and Chromium reports the refused stream on the console.
function expectedNoise(msg) {
  const url = msg.location()?.url || '';
  const text = msg.text();
  if (url.includes('/api/events/stream') || text.includes('/api/events/stream')) return true;
  return text.includes('EventSource') && text.includes('text/event-stream');
}

/** A page with console errors and uncaught exceptions collected in page.errors. */
export async function newPage(browser, { colorScheme = 'light', viewport = { width: 1360, height: 900 } } = {}) {
  const context = await browser.newContext({ colorScheme, viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error' || expectedNoise(msg)) return;
    page.errors.push(`console: ${msg.text()} (${msg.location()?.url || ''})`);
  });
  page.on('pageerror', (err) => page.errors.push(`pageerror: ${err.message}`));
  return page;
}

/** Opens the dashboard signed in through the /#token= link, then goes to `hash`. */
export async function signIn(page, server, hash = '#/overview', { store } = {}) {
  await page.goto(`${server.url}/#token=${server.token}${store ? `&store=${store}` : ''}`);
  await page.waitForSelector('#main', { state: 'attached' });
  if (hash !== '#/overview') await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForSelector('.page-title');
}

/** Saves build/screenshots/<name>.png; toasts are cleared first unless `toasts` is set. */
export async function screenshot(page, name, { toasts = false } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (!toasts) await page.evaluate(() => document.querySelectorAll('#toasts > *').forEach((t) => t.remove()));
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
