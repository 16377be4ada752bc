// New order form → Track page, live to "delivered"; a declined payment pops
// an error toast; envelope errors appear next to their field; a flagged order
// is approved from its detail page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, api, screenshot, waitFor } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function fillOrder(page, { name, email, quantities, token = '' }) {
  await page.waitForSelector('#product-picker');
  await page.fill('#customer-name', name);
  if (email) await page.fill('#customer-email', email);
  for (const [product, qty] of Object.entries(quantities)) {
    await page.getByLabel(product, { exact: true }).fill(String(qty));
  }
  await page.selectOption('#payment-token', token);
}

test('an order placed through the form is tracked live until delivered', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/new');
  await fillOrder(page, {
    name: 'Form Customer', email: 'form@example.com',
    quantities: { 'Motia Smartwatch V2': 2, 'Motia IoT Sensor Kit': 1 },
  });
  // Live total from the catalogue prices (99.00 each).
  assert.equal(await page.textContent('#order-total'), '$297.00');
  await screenshot(page, 'new-order');
  const posted = page.waitForRequest((r) => r.url().endsWith('/api/order') && r.method() === 'POST');
  await page.click('#place-order');
  const request = await posted;
  const body = request.postDataJSON();
  assert.match(body.orderId, /^[0-9a-f-]{36}$/);
  assert.equal(request.headers()['idempotency-key'].length > 0, true);
  assert.equal(request.headers()['x-store-id'], 'X');
  const byName = (a, b) => a.productName.localeCompare(b.productName);
  assert.deepEqual([...body.items].sort(byName), [
    { productName: 'Motia IoT Sensor Kit', quantity: 1 },
    { productName: 'Motia Smartwatch V2', quantity: 2 },
  ]);
  assert.equal(body.totalAmount, 297);
  assert.equal(body.customerEmail, 'form@example.com');
  await page.waitForSelector('#track-card');
  assert.equal(await page.evaluate(() => location.hash), `#/track/${body.orderId}`);
  await waitFor(async () => (await page.getAttribute('#track-card', 'data-status')) === 'delivered',
    { timeout: 30000, message: 'order delivered on the Track page' });
  const titles = await page.$$eval('.timeline-title', (els) => els.map((e) => e.textContent));
  for (const t of ['Order created', 'Payment received', 'Shipped', 'Delivered']) assert.ok(titles.includes(t), titles.join(','));
  assert.match(await page.textContent('.tracking-number'), /MOT-/);
  await screenshot(page, 'track');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a declined payment shows an error toast', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/new');
  await fillOrder(page, { name: 'Declined Dana', quantities: { 'Motia Pro Headset': 1 }, token: 'tok_chargeDeclined' });
  await page.click('#place-order');
  await page.waitForSelector('#track-card');
  const toast = page.locator('.toast-error', { hasText: 'Payment Failed' });
  await toast.waitFor({ timeout: 20000 });
  assert.equal(await toast.getAttribute('role'), 'alert');
  // Error toasts are red.
  const border = await toast.evaluate((el) => getComputedStyle(el).borderLeftColor);
  const [r, g, b] = border.match(/\d+/g).map(Number);
  assert.ok(r > 150 && g < 100 && b < 100, `border colour ${border}`);
  await screenshot(page, 'toast-error', { toasts: true });
  await waitFor(async () => (await page.getAttribute('#track-card', 'data-status')) === 'failed', { message: 'order failed' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('errors from the API appear next to their field', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/new');
  // Client-side: nothing chosen.
  await page.waitForSelector('#product-picker');
  await page.click('#place-order');
  assert.equal(await page.textContent('#err-customerName'), 'Enter the customer name.');
  // Server-side: more than the stock → 409 insufficient_stock on "items".
  await fillOrder(page, { name: 'Greedy Gus', quantities: { 'Motia AI Dev Board': 999 } });
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/order'));
  await page.click('#place-order');
  assert.equal((await answered).status(), 409);
  await page.waitForSelector('#err-items:not(:empty)');
  assert.match(await page.textContent('#err-items'), /available/);
  assert.equal(await page.evaluate(() => location.hash), '#/new');
  // Only the expected 409 on the console.
  assert.deepEqual(page.errors.filter((e) => !/409/.test(e)), []);
  await page.context().close();
});

test('a flagged order can be approved from its detail page', async () => {
  // Two fraud rules hit (over 10,000.00 and over 100 units) → flagged.
  const products = await api(server, '/api/products');
  const watch = products.body.items.find((p) => p.productName === 'Motia Smartwatch V2');
  await api(server, `/api/products/${watch.productId}`, { method: 'PATCH', body: { restock: 200 } });
  const created = await api(server, '/api/order', {
    method: 'POST', body: { customerName: 'Big Spender', items: [{ productName: 'Motia Smartwatch V2', quantity: 102 }] },
  });
  assert.equal(created.status, 201);
  const id = created.body.orderId;
  await waitFor(async () => (await api(server, `/api/orders/${id}`)).body.status === 'flagged', { message: 'flagged' });

  const page = await newPage(browser);
  await signIn(page, server, `#/orders/${id}`);
  await page.waitForSelector('#approve');
  assert.ok(await page.isVisible('#reject'));
  await screenshot(page, 'order-flagged');
  await page.click('#approve');
  await waitFor(async () => (await page.textContent('.detail-status .pill')) === 'Delivered',
    { timeout: 30000, message: 'approved order delivered' });
  assert.equal(await page.locator('#approve').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('without the live stream the page polls: toasts still pop up and Track still reaches delivered', async () => {
  const page = await newPage(browser);
  // As if the server had no /api/events/stream.
  await page.route('**/api/events/stream**', (route) => route.fulfill({
    status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found","message":"not found"}}',
  }));
  await signIn(page, server, '#/new');
  await waitFor(async () => (await page.textContent('#live-status')) === 'Polling', { message: 'polling mode' });
  await fillOrder(page, { name: 'Polling Paula', quantities: { 'Motia Pro Headset': 1 }, token: 'tok_chargeDeclined' });
  await page.click('#place-order');
  await page.locator('.toast-error', { hasText: 'Payment Failed' }).waitFor({ timeout: 20000 });

  await page.evaluate(() => { location.hash = '#/new'; });
  await fillOrder(page, { name: 'Polling Pete', quantities: { 'Motia Pro Headset': 1 } });
  await page.click('#place-order');
  await page.waitForSelector('#track-card');
  await waitFor(async () => (await page.getAttribute('#track-card', 'data-status')) === 'delivered',
    { timeout: 30000, message: 'delivered while polling' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
