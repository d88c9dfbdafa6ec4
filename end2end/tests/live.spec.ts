// Live prices in a real browser: a trade pushed at the fake Finnhub's WebSocket
// moves the dashboard's AAPL price and total value in place, without a reload and
// without console errors; with Finnhub's stream cut the page keeps its numbers and
// moves again once Folio has reconnected.
//
// Runs against an app with a fake Finnhub of its own (scripts/lib/serve.sh,
// serve_live): the trades pushed here move no other test's prices.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

const PASSWORD = 'live prices pw';

async function subscribed(request: APIRequestContext, fake: string, symbol: string) {
  await expect
    .poll(async () => (await (await request.get(`${fake}/_fake/stream`)).json()).subscriptions, { timeout: 10_000 })
    .toContain(symbol);
}

async function push(request: APIRequestContext, fake: string, symbol: string, price: number) {
  const sent = await request.post(`${fake}/_fake/stream/trades`, { data: { symbol, price } });
  expect(sent.status()).toBe(200);
}

function card(page: Page, label: string) {
  const overview = page.getByRole('region', { name: 'Overview' });
  return overview.locator('dl > div', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').first();
}

test('a pushed trade moves the price and the total in place, and a cut stream recovers', async ({ page, request, context, baseURL }) => {
  const fake = process.env.LIVE_FAKE_URL!;
  const name = `live_${Date.now() % 1_000_000_000}`;
  const signup = await request.post('/api/auth/signup', { data: { username: name, password: PASSWORD } });
  expect(signup.status()).toBe(201);
  const token = (await signup.json()).access_token;
  const day = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
  for (const data of [
    { kind: 'deposit', date: day, amount: '10000' },
    { kind: 'buy', date: day, symbol: 'AAPL', quantity: '10', price: '150' },
  ]) {
    const created = await request.post('/api/activities', { data, headers: { Authorization: `Bearer ${token}` } });
    expect(created.status()).toBe(201);
  }
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await context.addCookies([{ name: 'folio_token', value: token, url: baseURL! }]);

  await page.goto('/');
  // 8,500 cash + 10 AAPL at the fake's 189.84.
  await expect(card(page, 'Total value')).toHaveText('$10,398.40');
  const aapl = page.getByRole('row', { name: /AAPL/ });
  await expect(aapl.getByRole('cell').nth(2)).toHaveText('$189.84');
  await expect(page.getByText('Streaming')).toBeVisible();
  await subscribed(request, fake, 'AAPL');
  // A mark on the window: a reload would lose it.
  await page.evaluate(() => ((window as unknown as { liveMark: number }).liveMark = 1));

  await push(request, fake, 'AAPL', 200);
  await expect(card(page, 'Total value')).toHaveText('$10,500.00', { timeout: 2_000 });
  await expect(aapl.getByRole('cell').nth(2)).toHaveText('$200.00', { timeout: 2_000 });
  await expect(card(page, 'Unrealized P&L')).toHaveText('+$500.00');
  expect(await page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark)).toBe(1);
  expect(errors).toEqual([]);
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-live.png', fullPage: true });

  // Upstream cut: Folio reconnects and subscribes again; the page never noticed.
  await request.post(`${fake}/_fake/stream/drop`);
  await expect(card(page, 'Total value')).toHaveText('$10,500.00');
  await subscribed(request, fake, 'AAPL');
  await push(request, fake, 'AAPL', 205);
  await expect(card(page, 'Total value')).toHaveText('$10,550.00', { timeout: 5_000 });

  expect(await page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark)).toBe(1);
  expect(errors).toEqual([]);
});
