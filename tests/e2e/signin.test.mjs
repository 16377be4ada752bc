// Sign-in: the /#token= link, the form (wrong and right token), sign-out,
// a rejected token mid-session, and the dark-mode toggle.

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

test('opening /#token=<token> signs in and strips the token from the URL', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.waitForSelector('#store-name');
  assert.equal(await page.textContent('#store-name'), 'Motia Prime');
  await waitFor(() => page.evaluate(() => location.hash === '#/overview'), { message: 'hash #/overview' });
  assert.ok(!page.url().includes(server.token), `token still in URL: ${page.url()}`);
  const stored = await page.evaluate(() => sessionStorage.getItem('orderflow.token'));
  assert.equal(stored, server.token);
  // A reload keeps the session (sessionStorage), with no token in the URL.
  await page.reload();
  await page.waitForSelector('#store-name');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the sign-in form rejects a wrong token and accepts the admin token', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#token');
  await screenshot(page, 'signin');
  await page.fill('#token', 'not-the-token');
  await page.click('button[type=submit]');
  await page.waitForSelector('#token-error:not(:empty)');
  assert.match(await page.textContent('#token-error'), /not accepted/);
  assert.equal(await page.getAttribute('#token', 'aria-invalid'), 'true');

  await page.fill('#token', server.token);
  await page.press('#token', 'Enter');
  await page.waitForSelector('#store-name');
  assert.equal(await page.textContent('.page-title'), 'Overview');

  // Sign out returns to the form with a message.
  await page.click('#sign-out');
  await page.waitForSelector('#token');
  assert.match(await page.textContent('#signin-message'), /signed out/);
  const errors = page.errors.filter((e) => !/401/.test(e)); // the wrong token's 401 is expected
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a token the server stops accepting returns to sign-in with a message', async () => {
  const page = await newPage(browser);
  await signIn(page, server);
  await page.evaluate(() => sessionStorage.setItem('orderflow.token', 'revoked'));
  // Simulate a revoked token: the next API call carries a token the server rejects.
  await page.evaluate(async () => {
    const { session } = await import('/js/session.js');
    session.token = 'revoked';
    location.hash = '#/products';
  });
  await page.waitForSelector('#token');
  assert.match(await page.textContent('#signin-message'), /sign in again/i);
  await page.context().close();
});

test('dark mode toggles, is persisted and follows prefers-color-scheme by default', async () => {
  const page = await newPage(browser, { colorScheme: 'light' });
  await signIn(page, server);
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await theme(), 'light');
  const lightBg = await background();
  await page.click('#theme-toggle');
  assert.equal(await theme(), 'dark');
  assert.equal(await page.getAttribute('#theme-toggle', 'aria-pressed'), 'true');
  await waitFor(async () => (await background()) !== lightBg, { message: 'dark background' });
  assert.equal(await page.evaluate(() => localStorage.getItem('orderflow.theme')), 'dark');
  await page.reload();
  await page.waitForSelector('#store-name');
  assert.equal(await theme(), 'dark');
  // Keyboard: the toggle is a real button.
  await page.focus('#theme-toggle');
  await page.keyboard.press('Enter');
  assert.equal(await theme(), 'light');
  await page.context().close();

  const dark = await newPage(browser, { colorScheme: 'dark' });
  await signIn(dark, server);
  assert.equal(await dark.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.deepEqual(dark.errors, []);
  await dark.context().close();
});

test('a store API key signs in to its own store only', async () => {
  const created = await api(server, '/api/stores', { method: 'POST', store: null, body: { storeId: 'W', name: 'Widget Works', color: '#7c3aed' } });
  assert.equal(created.status, 201);
  const page = await newPage(browser);
  await page.goto(`${server.url}/`);
  await page.fill('#token', created.body.apiKey);
  await page.press('#token', 'Enter');
  await page.waitForSelector('#store-name');
  assert.equal(await page.textContent('#store-name'), 'Widget Works');
  assert.ok(await page.isDisabled('#store-select'));
  assert.deepEqual(await page.$$eval('#store-select option', (os) => os.map((o) => o.value)), ['W']);
  await page.evaluate(() => { location.hash = '#/orders'; });
  await page.waitForSelector('#orders-empty');
  assert.equal(await page.textContent('#orders-empty'), 'No orders yet');
  await page.evaluate(() => { location.hash = '#/products'; });
  await page.waitForSelector('text=No products yet');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
