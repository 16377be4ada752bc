// Alerts page: list, unread filter, mark one read (the unread count drops),
// mark all read, and live arrivals.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, api, placeOrder, screenshot, waitFor } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await placeOrder(server, { customerName: 'Alert Alice' });
  await placeOrder(server, { customerName: 'Alert Bob', token: 'tok_chargeDeclined' });
  // Wait until both orders are settled so the alert list stops growing.
  await waitFor(async () => {
    const orders = (await api(server, '/api/orders')).body.items;
    return orders.every((o) => ['delivered', 'failed'].includes(o.status));
  }, { message: 'orders settled' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const unreadCount = async (page) => Number(await page.getAttribute('#alerts-unread', 'data-count'));

test('marking an alert read decreases the unread count', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/alerts');
  await page.waitForSelector('#alert-list .alert-item.unread');
  const before = await unreadCount(page);
  const fromApi = (await api(server, '/api/alerts?unread=true&limit=1')).body.unread;
  assert.equal(before, fromApi);
  assert.ok(before >= 4, `unread ${before}`);
  // The error alert of the declined payment is in the list.
  assert.ok(await page.locator('.alert-item.alert-error', { hasText: 'Payment Failed' }).count() >= 1);
  await screenshot(page, 'alerts');

  const first = page.locator('#alert-list .alert-item.unread').first();
  const id = await first.getAttribute('data-id');
  await first.getByRole('button', { name: /Mark .* as read/ }).click();
  await waitFor(async () => (await unreadCount(page)) === before - 1, { message: 'unread count decreased' });
  assert.match(await page.getAttribute(`#alert-list .alert-item[data-id="${id}"]`, 'class'), /\bread\b/);
  assert.equal(await page.textContent('#alerts-badge'), String(before - 1));
  assert.equal((await api(server, '/api/alerts?unread=true&limit=1')).body.unread, before - 1);

  // Unread filter: the read one is gone.
  await page.click('#filter-unread');
  await waitFor(async () => (await page.getAttribute('#filter-unread', 'aria-pressed')) === 'true', { message: 'filter pressed' });
  await page.waitForSelector('#alert-list .alert-item');
  assert.equal(await page.locator(`#alert-list .alert-item[data-id="${id}"]`).count(), 0);
  assert.equal(await page.locator('#alert-list .alert-item').count(), before - 1);

  // Mark all read.
  await page.click('#mark-all-read');
  await waitFor(async () => (await unreadCount(page)) === 0, { message: 'all read' });
  assert.ok(await page.isHidden('#alerts-badge'));
  assert.equal((await api(server, '/api/alerts?unread=true&limit=1')).body.unread, 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a new alert arrives live at the top of the list and as a toast', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/alerts');
  await page.waitForSelector('#alert-list .alert-item');
  const count = await page.locator('#alert-list .alert-item').count();
  await placeOrder(server, { customerName: 'Live Lena' });
  await page.locator('.toast', { hasText: 'Live Lena' }).first().waitFor({ timeout: 20000 });
  await waitFor(async () => (await page.locator('#alert-list .alert-item').count()) > count, { message: 'new alert in the list' });
  assert.match(await page.locator('#alert-list .alert-item').first().textContent(), /Live Lena/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
