// Orders page: infinite scroll through keyset pages with a bounded DOM, the
// "Showing N of M orders" footer, filters, the empty state and the order
// detail with its history and trace.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, api, placeOrder, screenshot, waitFor } from './harness.mjs';

const SEEDED = 230;
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  // Enough stock for every order.
  const products = await api(server, '/api/products');
  for (const p of products.body.items) {
    const r = await api(server, `/api/products/${p.productId}`, { method: 'PATCH', body: { restock: 500 } });
    assert.equal(r.status, 200);
  }
  const names = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth'];
  const productNames = products.body.items.map((p) => p.productName);
  let next = 0;
  const worker = async () => {
    while (next < SEEDED) {
      const i = next;
      next += 1;
      await placeOrder(server, {
        customerName: `${names[i % names.length]} ${Math.floor(i / names.length)}`,
        items: [{ productName: productNames[i % productNames.length], quantity: 1 + (i % 3) }],
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function loaded(page) {
  return Number(await page.getAttribute('#orders-footer', 'data-loaded'));
}

test('scrolling the orders list loads page after page and keeps the DOM bounded', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/orders');
  await page.waitForSelector('#orders-table tbody tr[data-id]');
  await waitFor(async () => (await page.textContent('#orders-footer')) === `Showing 50 of ${SEEDED} orders`,
    { message: 'first page footer' });
  const first = await loaded(page);
  assert.equal(first, 50);
  // The header stays visible while the body scrolls.
  assert.equal(await page.$eval('#orders-table thead th', (th) => getComputedStyle(th).position), 'sticky');

  const scroller = page.locator('#orders-scroll');
  const maxRows = [];
  const scrollToEnd = async () => {
    await scroller.hover();
    await page.mouse.wheel(0, 4000);
    await scroller.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    maxRows.push(await page.locator('#orders-table tbody tr[data-id]').count());
  };
  for (const target of [50, 150]) {
    await waitFor(async () => {
      await scrollToEnd();
      return (await loaded(page)) > target;
    }, { message: `more than ${target} rows loaded`, interval: 250 });
  }
  await screenshot(page, 'orders-scrolled');
  await waitFor(async () => {
    await scrollToEnd();
    return (await page.textContent('#orders-footer')) === `Showing ${SEEDED} of ${SEEDED} orders`;
  }, { message: 'all pages loaded', interval: 250 });
  assert.match(await page.textContent('.list-state'), /End of the list/);
  // Windowing: far fewer rows in the DOM than loaded.
  const domRows = await page.locator('#orders-table tbody tr[data-id]').count();
  assert.ok(domRows > 0 && domRows < 100, `rows in the DOM: ${domRows}`);
  assert.ok(Math.max(...maxRows) < 100, `max rows in the DOM: ${Math.max(...maxRows)}`);
  // Scrolled to the end, the last rendered row is the oldest order (row 1 is the header).
  // (Keep scrolling: rows render from scroll events, and on a loaded machine
  // the last page can land after the previous scroll.)
  await waitFor(async () => {
    await scroller.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    const ids = await page.$$eval('#orders-table tbody tr[data-id]', (rows) => rows.map((r) => r.getAttribute('aria-rowindex')));
    return Number(ids[ids.length - 1]) === SEEDED + 1;
  }, { message: 'last row rendered', interval: 250 });

  // Newest first across all pages: back at the top the first row is the newest order.
  await scroller.evaluate((el) => { el.scrollTop = 0; });
  await page.waitForSelector('#orders-table tbody tr[aria-rowindex="2"]');
  const newest = await api(server, '/api/orders?limit=1');
  assert.equal(await page.getAttribute('#orders-table tbody tr[aria-rowindex="2"]', 'data-id'), newest.body.items[0].orderId);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('filters narrow the list; search and customer drop the total', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/orders');
  await page.waitForSelector('#orders-table tbody tr[data-id]');
  const statusId = await page.$eval('.filters select', (s) => s.id);
  await page.selectOption(`#${statusId}`, 'cancelled');
  await page.waitForSelector('#orders-empty');
  assert.equal(await page.textContent('#orders-empty'), 'No orders match these filters');
  assert.equal(await page.textContent('#orders-footer'), 'Showing 0 of 0 orders');

  await page.selectOption(`#${statusId}`, '');
  await page.getByLabel('Customer').fill('grace hopper 1');
  // The customer filter matches the full name (or email), case-insensitively.
  await waitFor(async () => (await page.textContent('#orders-footer')) === 'Showing 1 order', { message: 'customer filter' });
  const customers = await page.$$eval('#orders-table tbody tr[data-id] td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(customers, ['Grace Hopper 1']);
  await page.click('button[type=reset]');
  await waitFor(async () => (await page.textContent('#orders-footer')) === `Showing 50 of ${SEEDED} orders`, { message: 'filters cleared' });

  // Search by order id prefix.
  const target = (await api(server, '/api/orders?limit=7')).body.items[6].orderId;
  await page.getByLabel('Search').fill(target.slice(0, 8));
  await waitFor(async () => (await page.textContent('#orders-footer')) === 'Showing 1 order', { message: 'search by id' });
  assert.equal(await page.getAttribute('#orders-table tbody tr[data-id]', 'data-id'), target);
  await page.getByLabel('Search').fill('');

  // Date range: today holds every order, yesterday none.
  const day = (offset) => {
    const d = new Date();
    d.setDate(d.getDate() + offset);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  await page.getByLabel('From', { exact: true }).fill(day(0));
  await page.getByLabel('To', { exact: true }).fill(day(0));
  await waitFor(async () => (await page.textContent('#orders-footer')) === 'Showing 50 orders', { message: 'today' });
  await page.getByLabel('From', { exact: true }).fill(day(-1));
  await page.getByLabel('To', { exact: true }).fill(day(-1));
  await page.waitForSelector('#orders-empty');
  await page.click('button[type=reset]');
  await waitFor(async () => (await page.textContent('#orders-footer')) === `Showing 50 of ${SEEDED} orders`, { message: 'cleared again' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a store without orders shows the empty state', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/orders', { store: 'Z' });
  await page.waitForSelector('#orders-empty');
  assert.equal(await page.textContent('#orders-empty'), 'No orders yet');
  assert.equal(await page.textContent('#store-name'), 'Aura Luxe');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a row opens the order detail with items, history and trace', async () => {
  const page = await newPage(browser);
  await signIn(page, server, '#/orders');
  const row = page.locator('#orders-table tbody tr[data-id]').nth(3);
  const id = await row.getAttribute('data-id');
  await row.locator('td:nth-child(2)').click();
  await page.waitForSelector('#trace-table');
  assert.equal(await page.evaluate(() => location.hash), `#/orders/${id}`);
  assert.match(await page.textContent('.page-title'), new RegExp(id.slice(0, 8), 'i'));
  const history = await page.$$eval('.timeline-title', (els) => els.map((e) => e.textContent));
  assert.ok(history.includes('Order created'), history.join(','));
  const steps = await page.$$eval('#trace-table tbody td.mono', (tds) => tds.map((t) => t.textContent));
  assert.ok(steps.includes('order.created'), steps.join(','));
  assert.ok(steps.includes('fraud-guard'), steps.join(','));
  await screenshot(page, 'order-detail');
  // Back to the list with the keyboard-reachable breadcrumb.
  await page.click('.breadcrumb a');
  await page.waitForSelector('#orders-table tbody tr[data-id]');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
