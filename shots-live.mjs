// Ad-hoc screenshots of the live dashboard and symbol page (not committed).
import { chromium } from '@playwright/test';
const base = process.env.LIVE, fake = process.env.FAKE;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx0 = await browser.newContext();
const r = ctx0.request;
const signup = await r.post(`${base}/api/auth/signup`, { data: { username: 'shots' + Date.now() % 100000, password: 'shots password' } });
const token = (await signup.json()).access_token;
const day = new Date(Date.now() - 5 * 86400000).toISOString().slice(0, 10);
for (const data of [{ kind: 'deposit', date: day, amount: '10000' }, { kind: 'buy', date: day, symbol: 'AAPL', quantity: '10', price: '150' }, { kind: 'buy', date: day, symbol: 'MSFT', quantity: '5', price: '300' }]) {
  await r.post(`${base}/api/activities`, { data, headers: { Authorization: `Bearer ${token}` } });
}
let price = 190;
for (const theme of ['light', 'dark']) {
  for (const width of [1280, 375]) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    await ctx.addCookies([{ name: 'folio_token', value: token, url: base }, { name: 'folio_theme', value: theme, url: base }]);
    const page = await ctx.newPage();
    await page.goto(`${base}/`);
    await page.getByText('Streaming').waitFor();
    await page.waitForTimeout(1500);
    price += 3;
    await r.post(`${fake}/_fake/stream/trades`, { data: [{ symbol: 'AAPL', price }, { symbol: 'MSFT', price: price * 2 }] });
    await page.waitForTimeout(300);
    await page.screenshot({ path: `target/tmp/live-dashboard-${theme}-${width}.png`, fullPage: false });
    await page.goto(`${base}/symbol/AAPL`);
    await page.waitForTimeout(1500);
    price += 3;
    await r.post(`${fake}/_fake/stream/trades`, { data: { symbol: 'AAPL', price } });
    await page.waitForTimeout(300);
    await page.screenshot({ path: `target/tmp/live-symbol-${theme}-${width}.png`, fullPage: false });
    await ctx.close();
  }
}
await browser.close();
