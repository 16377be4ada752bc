// Every page renders with no console errors or uncaught exceptions, in both
// themes; saves a screenshot of each to build/screenshots/. Also checks the
// overview figures and the flow graph against the API.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, api, placeOrder, screenshot, waitFor } from './harness.mjs';

let server;
let browser;
let orderId;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  for (let i = 0; i < 6; i += 1) {
    const o = await placeOrder(server, { customerName: `Page Tester ${i}`, items: [{ productName: 'Motia IoT Sensor Kit', quantity: 1 + (i % 2) }] });
    orderId = o.orderId;
  }
  await placeOrder(server, { customerName: 'Declined Dora', token: 'tok_chargeDeclined' });
  await waitFor(async () => (await api(server, `/api/orders/${orderId}`)).body.status === 'delivered', { message: 'delivered' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const PAGES = [
  ['overview', '#/overview', '.stat-value:not(:empty)'],
  ['orders', '#/orders', '#orders-table tbody tr[data-id]'],
  ['order', () => `#/orders/${orderId}`, '#trace-table'],
  ['new', '#/new', '#product-picker'],
  ['track', () => `#/track/${orderId}`, '#track-card'],
  ['products', '#/products', '#products-table'],
  ['alerts', '#/alerts', '#alert-list .alert-item'],
  ['flow', '#/flow', '#flow-graph svg .flow-node'],
];

for (const theme of ['light', 'dark']) {
  test(`every page renders without console errors (${theme})`, async () => {
    const page = await newPage(browser, { colorScheme: theme });
    await signIn(page, server);
    for (const [name, hash, ready] of PAGES) {
      await page.evaluate((h) => { location.hash = h; }, typeof hash === 'function' ? hash() : hash);
      await page.waitForSelector(ready);
      await page.waitForTimeout(300); // let charts and live data settle
      assert.equal(await page.locator('.state-error').count(), 0, `${name} shows an error`);
      if (theme === 'light') await screenshot(page, name);
      else if (name === 'overview' || name === 'orders' || name === 'flow') await screenshot(page, `${name}-dark`);
    }
    // Unknown routes get a page, not a blank screen.
    await page.evaluate(() => { location.hash = '#/nowhere'; });
    await page.waitForSelector('text=Page not found');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
}

test('the overview shows the stats from the API and both charts', async () => {
  const page = await newPage(browser);
  await signIn(page, server);
  const stats = (await api(server, '/api/dashboard/stats')).body;
  await waitFor(async () => (await page.textContent('#stat-orders')) === String(stats.totalOrders), { message: 'total orders card' });
  assert.equal(await page.textContent('#stat-revenue'), `$${stats.revenue.toFixed(2)}`);
  assert.equal(await page.textContent('#stat-rate'), `${stats.fulfillmentRate.toFixed(1)}%`);
  assert.equal(await page.locator('#chart-status svg rect.chart-bar').count(), 8);
  const delivered = await page.getAttribute('#chart-status svg', 'aria-label');
  assert.match(delivered, new RegExp(`Delivered ${stats.ordersByStatus.delivered}`));
  assert.match(await page.getAttribute('#chart-minute svg', 'aria-label'), /^Orders per minute: 7 in the last 30 minutes/);
  // A new order arrives live and is counted in the per-minute chart.
  await placeOrder(server, { customerName: 'Minute Mike' });
  await waitFor(async () => /: 8 in the last/.test(await page.getAttribute('#chart-minute svg', 'aria-label')),
    { timeout: 20000, message: 'live order counted' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the flow page draws every step and edge with live counts', async () => {
  const flow = (await api(server, '/api/flows')).body;
  const page = await newPage(browser);
  await signIn(page, server, '#/flow');
  await page.waitForSelector('#flow-graph svg .flow-node');
  assert.equal(await page.locator('#flow-graph .flow-node').count(), flow.steps.length);
  const pairs = new Set(flow.edges.map((e) => `${e.from}→${e.to}`));
  assert.equal(await page.locator('#flow-graph .flow-edge').count(), pairs.size);
  const done = flow.steps.find((s) => s.name === 'fraud-guard').counts.done;
  assert.ok(done >= 7);
  await waitFor(async () => (await page.textContent('[data-step="fraud-guard"] .flow-done')) === `${done} done`, { message: 'fraud-guard count' });
  await placeOrder(server, { customerName: 'Flow Fiona' });
  await waitFor(async () => (await page.textContent('[data-step="fraud-guard"] .flow-done')) === `${done + 1} done`,
    { timeout: 10000, message: 'counts refreshed' });
  assert.match(await page.textContent('#dead-letters'), /No dead letters/);

  // A transient payment error shows up as a retrying delivery, in the graph
  // and in the order's trace with its attempts and last error.
  const retried = await placeOrder(server, { customerName: 'Retry Rita', token: 'tok_processingError' });
  await waitFor(async () => /[1-9]\d* retrying/.test(await page.textContent('[data-step="payment"] .flow-counts')),
    { timeout: 15000, message: 'payment retrying' });
  await page.evaluate((id) => { location.hash = `#/orders/${id}`; }, retried.orderId);
  await page.waitForSelector('#trace-table');
  await waitFor(async () => /processing error/.test(await page.textContent('#trace-table')), { message: 'last error in trace' });
  const attempts = await page.$eval('#trace-table tr:has(td:text-is("payment")) td.num', (td) => Number(td.textContent));
  assert.ok(attempts >= 1, `attempts ${attempts}`);
  await page.waitForSelector('#retry-notice');
  await page.$eval('#h-trace', (el) => el.scrollIntoView());
  await screenshot(page, 'order-retrying');
  // Cancel it (two-step confirmation), which ends the retries.
  await page.click('#cancel-order');
  assert.equal(await page.textContent('#cancel-order'), 'Confirm cancel');
  await page.click('#cancel-order');
  await waitFor(async () => (await page.textContent('.detail-status .pill')) === 'Cancelled', { message: 'cancelled' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('dead letters are listed with a Redrive button that calls the API', async () => {
  const page = await newPage(browser);
  const letter = {
    eventId: 4242, topic: 'payment.failed', step: 'compensation', state: 'dead', attempts: 8,
    lastError: 'refund service unavailable', orderId, emittedAt: new Date().toISOString(),
  };
  let redriven = null;
  // The engine needs minutes of failures to dead-letter for real; the list
  // and the button are what is under test here.
  await page.route('**/api/dead-letters?*', (route) => route.fulfill({
    status: 200, contentType: 'application/json', body: JSON.stringify({ items: redriven ? [] : [letter], nextCursor: null }),
  }));
  await page.route('**/api/dead-letters/*/*/redrive', (route) => {
    redriven = new URL(route.request().url()).pathname;
    return route.fulfill({ status: 200, contentType: 'application/json', body: '{"success":true}' });
  });
  await signIn(page, server, '#/flow');
  await page.waitForSelector('#dead-table');
  assert.match(await page.textContent('#dead-table'), /refund service unavailable/);
  await page.getByRole('button', { name: 'Redrive event 4242 for compensation' }).click();
  await waitFor(() => redriven, { message: 'redrive request' });
  assert.equal(redriven, '/api/dead-letters/4242/compensation/redrive');
  await page.waitForSelector('text=No dead letters');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('keyboard: skip link, labelled controls and focus styles', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/new');
  await page.reload();
  await page.waitForSelector('#product-picker');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  assert.equal(await page.evaluate(() => location.hash), '#/new');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'order-store');
  // Every form control has a label.
  const unlabelled = await page.$$eval('input, select', (els) => els.filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).map((el) => el.id));
  assert.deepEqual(unlabelled, []);
  // Focused buttons show a ring.
  await page.focus('#place-order');
  const shadow = await page.$eval('#place-order', (el) => getComputedStyle(el).boxShadow);
  assert.notEqual(shadow, 'none');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
