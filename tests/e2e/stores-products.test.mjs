// Store switcher with per-store branding, and the Products page (stock
// figures, low-stock highlight, restock through the ledger).

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

const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

async function productNames(page) {
  await page.waitForSelector('#products-table');
  return page.$$eval('#products-table tbody tr', (rows) => rows.map((r) => r.querySelector('.product-name').textContent));
}

// Waits for the product's row: the table is drawn before its rows arrive.
async function stockOf(page, name) {
  const row = `#products-table tbody tr:has-text("${name}")`;
  await page.waitForSelector(row);
  return page.$eval(row, (tr) => Number(tr.children[2].textContent.replace(/,/g, '')));
}

test('switching store changes the header name, the brand colour and the product list', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/products');
  assert.equal(await page.textContent('#store-name'), 'Motia Prime');
  const brand = () => page.evaluate(() => getComputedStyle(document.querySelector('.store-dot')).backgroundColor);
  assert.equal(await brand(), rgb('#2563eb'));
  const stockX = await stockOf(page, 'Motia Smartwatch V2');
  assert.equal(stockX, 50);
  const namesX = await productNames(page);

  await page.selectOption('#store-select', 'Y');
  await waitFor(async () => (await page.textContent('#store-name')) === 'Nexus Shop', { message: 'store Y in the header' });
  await waitFor(async () => (await brand()) === rgb('#059669'), { message: 'green brand colour' });
  await waitFor(async () => (await page.$('#products-table')) && (await stockOf(page, 'Motia Smartwatch V2')) === 35, { message: 'store Y products' });
  assert.equal((await productNames(page)).length, namesX.length);
  await screenshot(page, 'store-y');

  await page.selectOption('#store-select', 'Z');
  await waitFor(async () => (await page.textContent('#store-name')) === 'Aura Luxe', { message: 'store Z in the header' });
  await waitFor(async () => (await brand()) === rgb('#e11d48'), { message: 'red brand colour' });
  await waitFor(async () => (await stockOf(page, 'Motia Smartwatch V2')) === 70, { message: 'store Z products' });
  // The choice is remembered, and requests carry the store header.
  const req = page.waitForRequest((r) => r.url().includes('/api/products'));
  await page.reload();
  assert.equal((await req).headers()['x-store-id'], 'Z');
  await page.waitForSelector('#store-name');
  assert.equal(await page.textContent('#store-name'), 'Aura Luxe');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('products show stock figures, highlight low stock and restock', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/products', { store: 'Y' });
  await page.waitForSelector('#products-table');
  // Y: Pro Headset 12 on hand, threshold 20 → low.
  const headset = page.locator('#products-table tbody tr', { hasText: 'Motia Pro Headset' });
  assert.match(await headset.getAttribute('class'), /row-low/);
  assert.equal(await headset.locator('td').nth(3).textContent(), '12Low');
  await screenshot(page, 'products');
  await headset.getByLabel('Units to add to Motia Pro Headset').fill('30');
  await headset.getByRole('button', { name: 'Restock' }).click();
  await waitFor(async () => (await headset.locator('td').nth(1).textContent()) === '42', { message: 'stock 42 after restock' });
  assert.doesNotMatch(await headset.getAttribute('class'), /row-low/);
  const fromApi = (await api(server, '/api/products', { store: 'Y' })).body.items.find((p) => p.productName === 'Motia Pro Headset');
  assert.equal(fromApi.stock, 42);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
