// Manual exploration script (not a test): node smoke.mjs
import { startServer, launchBrowser, newPage, signIn, placeOrder, screenshot } from './harness.mjs';
const server = await startServer();
console.log(server.url);
const browser = await launchBrowser();
const page = await newPage(browser);
page.on('console', (m) => console.log('[console]', m.type(), m.text(), m.location()?.url));
for (let i = 0; i < 5; i++) await placeOrder(server, { customerName: `Smoke ${i}` });
await placeOrder(server, { customerName: 'Declined', token: 'tok_chargeDeclined' });
await signIn(page, server);
await page.waitForTimeout(1500);
await screenshot(page, 'smoke-overview');
for (const p of process.argv.slice(2)) {
  await page.evaluate((h) => { location.hash = h; }, `#/${p}`);
  await page.waitForTimeout(1500);
  await screenshot(page, `smoke-${p.replace(/\W/g, '_')}`);
}
console.log('errors', page.errors);
await browser.close();
await server.stop();
