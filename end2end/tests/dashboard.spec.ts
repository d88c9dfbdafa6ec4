// The overview cards in a real browser: the same numbers as the API, "—" with reasons.
import { expect, test } from '@playwright/test';
import { apiAsDemo, money, signInAsDemo } from '../demo';

test('the overview cards show the same numbers as the API', async ({ page, request }) => {
  await signInAsDemo(page);
  const overview = page.getByRole('region', { name: 'Overview' });
  await expect(overview).toBeVisible();
  const api = await apiAsDemo(request, '/api/dashboard/overview');

  const card = (label: string) => overview.locator('dl > div', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').first();
  await expect(card('Cash')).toHaveText(money(api.data.cash));
  await expect(card('Invested')).toHaveText(money(api.data.invested));
  await expect(card('Total value')).toHaveText(money(api.data.total_value));
  await expect(card('Realized P&L')).toHaveText('+' + money(api.data.realized_pnl));
  await expect(card('Win rate')).toHaveText(`${api.data.win_rate.toFixed(2)} %`);
  // End-to-end runs use the fake Finnhub, so prices are labelled as Finnhub's: live,
  // or (on a busy machine, when the rate budget delays a refresh) being refreshed.
  await expect(page.getByText(/^(Live|Refreshing) · Finnhub · updated \d\d:\d\d UTC$/)).toBeVisible();
  // Recent activity: the newest first, money written as money, with a way to all of them.
  const recent = page.getByRole('region', { name: 'Recent activity' });
  await expect(recent.getByRole('listitem').first()).toContainText('Sell 10 AMZN at $165.00');
  await expect(recent.getByRole('link', { name: /All activities/ })).toHaveAttribute('href', '/trades');
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-cards.png', fullPage: true });
});

test('a new account sees its next steps, then dashes with reasons it can read without hovering', async ({ page, request }) => {
  const name = `cards_${Date.now() % 1_000_000_000}`;
  await page.goto('/signup');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: `Welcome to Folio, ${name}` })).toBeVisible();
  const steps = page.getByRole('region', { name: 'Three steps to your first numbers' });
  await expect(steps.getByRole('link')).toHaveText(['Add a deposit', 'Add a trade', 'Import a CSV']);
  // No wall of zeros, no empty chart.
  await expect(page.getByRole('region', { name: 'Overview' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Performance' })).toHaveCount(0);
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-first-run.png', fullPage: true });
  // The first step opens the form on a deposit.
  await steps.getByRole('link', { name: 'Add a deposit' }).click();
  await expect(page.getByLabel('Kind')).toHaveValue('deposit');

  const token = (await (await request.post('/api/auth/login', { data: { username: name, password: 'a long enough password' } })).json()).access_token;
  const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  const deposit = await request.post('/api/activities', { headers: { Authorization: `Bearer ${token}` }, data: { kind: 'deposit', date: day, amount: 1000 } });
  expect(deposit.status()).toBe(201);
  await page.goto('/');
  const overview = page.getByRole('region', { name: 'Overview' });
  await expect(overview).toBeVisible();
  const beta = overview.locator('dl > div', { has: page.locator('dt', { hasText: /^Beta$/ }) });
  await expect(beta.locator('dd').first()).toHaveText('—');
  // The reason is on the card itself, not only in a tooltip a touch screen cannot show.
  await expect(beta.locator('dd').nth(1)).toBeVisible();
  await expect(beta.locator('dd').nth(1)).toHaveText(/needs at least|daily return|no history/);
  await page.setViewportSize({ width: 375, height: 740 });
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-empty-375.png', fullPage: true });
});

test('the positions table has one row per position, each with a logo or monogram', async ({ page, request }) => {
  await signInAsDemo(page);
  const table = page.getByRole('table', { name: 'Open positions' });
  await expect(table).toBeVisible();
  const api = await apiAsDemo(request, '/api/dashboard/positions');
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(api.data.length);
  for (let i = 0; i < api.data.length; i++) {
    const row = rows.nth(i);
    await expect(row.getByRole('rowheader')).toContainText(api.data[i].symbol);
    // One fixed-size tile per row, holding the monogram (and the logo, once loaded).
    await expect(row.locator('[data-logo]')).toHaveCount(1);
    const tile = await row.locator('[data-logo]').boundingBox();
    expect([Math.round(tile!.width), Math.round(tile!.height)]).toEqual([28, 28]);
  }
  await page.setViewportSize({ width: 375, height: 740 });
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-positions-375.png', fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  // Scrolled to its right end, the table still shows which row is which.
  await table.evaluate((t) => { t.parentElement!.scrollLeft = t.parentElement!.scrollWidth; });
  const symbolCell = rows.first().getByRole('rowheader');
  const box = await symbolCell.boundingBox();
  const frame = await table.evaluate((t) => t.parentElement!.getBoundingClientRect().left);
  expect(Math.abs(box!.x - frame)).toBeLessThan(2);
});

test('positions sort by any column, both ways, with aria-sort', async ({ page, request }) => {
  await signInAsDemo(page);
  const table = page.getByRole('table', { name: 'Open positions' });
  const api = await apiAsDemo(request, '/api/dashboard/positions');
  const byValue = [...api.data].sort((a: any, b: any) => b.market_value - a.market_value).map((p: any) => p.symbol);
  const header = table.getByRole('columnheader', { name: /Market value/ });
  await header.getByRole('link').click();
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  const symbols = () => table.locator('tbody tr th .font-semibold').allTextContents();
  await expect.poll(symbols).toEqual(byValue);
  await header.getByRole('link').click();
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  await expect.poll(symbols).toEqual([...byValue].reverse());
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('sorting is a link the server renders', async ({ page }) => {
    await signInAsDemo(page);
    await page.goto('/?sort=symbol&dir=desc');
    const names = await page.getByRole('table', { name: 'Open positions' }).locator('tbody tr th .font-semibold').allTextContents();
    expect(names).toEqual([...names].sort().reverse());
    expect(names.length).toBeGreaterThan(1);
  });
});

test('hostile upstream text stays inert and a broken logo falls back to the monogram', async ({ page, request }) => {
  const fake = process.env.FAKE_FINNHUB_URL!;
  const symbol = `EV${Date.now() % 100_000}`;
  await request.post(`${fake}/_fake/quotes`, { data: { symbol, c: 12.5, pc: 12 } });
  await request.post(`${fake}/_fake/profiles`, {
    data: {
      ticker: symbol,
      name: '<img src=x onerror="window.__pwned=1">',
      finnhubIndustry: '<script>window.__pwned=2</script>',
      logo: 'https://127.0.0.1:9/broken-logo.png',
      weburl: 'javascript:window.__pwned=3',
      exchange: 'NASDAQ',
      country: 'US',
      currency: 'USD',
      ipo: '2020-01-01',
      marketCapitalization: 1,
      shareOutstanding: 1,
    },
  });
  const name = `hostile_${Date.now() % 1_000_000_000}`;
  await page.goto('/signup');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('region', { name: 'Three steps to your first numbers' })).toBeVisible();
  const token = (await (await request.post('/api/auth/login', { data: { username: name, password: 'a long enough password' } })).json()).access_token;
  const headers = { Authorization: `Bearer ${token}` };
  const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
  expect((await request.post('/api/activities', { headers, data: { kind: 'deposit', date: day, amount: 1000 } })).status()).toBe(201);
  expect((await request.post('/api/activities', { headers, data: { kind: 'buy', date: day, symbol, quantity: 2, price: 12 } })).status()).toBe(201);

  await page.goto('/');
  const row = page.getByRole('table', { name: 'Open positions' }).locator('tbody tr', { hasText: symbol });
  await expect(row).toContainText('<img src=x onerror="window.__pwned=1">');
  await expect(row).toContainText('<script>window.__pwned=2</script>');
  // The logo cannot load: the monogram takes its place.
  await expect(row.locator('span[aria-hidden="true"]')).toHaveText(symbol.slice(0, 2));
  await expect(row.locator('img')).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-hostile.png', fullPage: true });
});

test('the theme toggle switches to dark and is remembered', async ({ page }) => {
  await signInAsDemo(page);
  const theme = page.getByRole('form', { name: 'Theme' });
  await theme.getByRole('button', { name: 'Dark' }).click();
  await expect(page.locator('html')).toHaveClass('dark');
  await expect(theme.getByRole('button', { name: 'Dark' })).toHaveAttribute('aria-pressed', 'true');
  // Read once the page's stylesheet has loaded (static files are revalidated on
  // every load, so the class can be there a moment before the colours are).
  const background = async () => {
    await page.waitForLoadState('load');
    return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  };
  const dark = await background();
  await page.reload();
  await expect(page.locator('html')).toHaveClass('dark');
  expect(await background()).toBe(dark);
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-dark.png', fullPage: true });
  await page.getByRole('form', { name: 'Theme' }).getByRole('button', { name: 'Light' }).click();
  await expect(page.locator('html')).toHaveClass('light');
  expect(await background()).not.toBe(dark);
  await page.getByRole('form', { name: 'Theme' }).getByRole('button', { name: 'Auto' }).click();
  await expect(page.locator('html')).not.toHaveClass(/dark|light/);
});

test('a position opens its symbol page; an unknown symbol is a 404 page', async ({ page, request }) => {
  await signInAsDemo(page);
  await page.getByRole('table', { name: 'Open positions' }).getByRole('link', { name: 'MSFT' }).click();
  await expect(page).toHaveURL(/\/symbol\/MSFT$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('MSFT Inc');
  const quote = await apiAsDemo(request, '/api/dashboard/quote/MSFT');
  await expect(page.getByRole('region', { name: 'Quote' })).toContainText(money(quote.data.current_price));
  await expect(page.getByRole('region', { name: 'Your position' })).toContainText('30');
  await expect(page.getByText('Buy 30 MSFT at $380.25')).toBeVisible();
  await page.screenshot({ path: 'end2end/test-results/screens/symbol.png', fullPage: true });

  const response = await page.goto('/symbol/ZZZZ');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Symbol not found' })).toBeVisible();
});

test('the headline, today and the income equal the API; no table hides what a row is on a phone', async ({ page, request }) => {
  const name = `income_${Date.now() % 1_000_000_000}`;
  const password = 'a long enough password';
  expect((await request.post('/api/auth/signup', { data: { username: name, password } })).status()).toBe(201);
  const token = (await (await request.post('/api/auth/login', { data: { username: name, password } })).json()).access_token;
  const headers = { Authorization: `Bearer ${token}` };
  const ago = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
  for (const data of [
    { kind: 'deposit', date: ago(120), amount: '5000' },
    { kind: 'buy', date: ago(119), symbol: 'AAPL', quantity: '20', price: '60' },
    { kind: 'dividend', date: ago(95), symbol: 'AAPL', amount: '9.70' },
    { kind: 'dividend', date: ago(4), symbol: 'AAPL', amount: '10.20' },
  ]) {
    expect((await request.post('/api/activities', { headers, data })).status()).toBe(201);
  }
  const api = async (path: string) => (await (await request.get(path, { headers })).json()).data;
  await page.goto('/login');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const overview = page.getByRole('region', { name: 'Overview' });
  await expect(overview).toBeVisible();
  const o = await api('/api/dashboard/overview');
  const card = (label: string) => overview.locator('dl > div', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
  const signed = (n: number, text: string) => (n > 0 ? '+' : n < 0 ? '−' : '') + text;
  await expect(card('Total value').first()).toHaveText(money(o.total_value));
  await expect(card('Today').first()).toHaveText(
    `${signed(o.day_change, money(Math.abs(o.day_change)))} (${signed(o.day_change_percent, `${Math.abs(o.day_change_percent).toFixed(2)} %`)})`,
  );
  // The income card: the range's dividends (ALL: every one) and all of them.
  expect(o.dividends).toBeCloseTo(19.9, 2);
  await expect(card('Dividends').first()).toHaveText(money(o.range_dividends));
  await expect(card('Dividends').nth(1)).toHaveText(`${money(o.dividends)} all-time`);
  const bars = page.getByRole('list', { name: 'Dividends by month' }).getByRole('listitem');
  await expect(bars).toHaveCount(12);
  await expect(page.getByText(`${money(19.9)} in the last 12 months · ${money(19.9)} all-time`)).toBeVisible();

  // A phone: the activities are cards that keep their kind, amount and actions on
  // screen; the positions keep their symbol.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto('/trades');
  const first = page.getByRole('table', { name: 'Activities' }).locator('tbody tr').first();
  for (const part of [first.getByRole('rowheader'), first.getByText(money(10.2)), first.getByRole('link', { name: /^Edit/ }), first.getByRole('link', { name: /^Delete/ })]) {
    await expect(part).toBeInViewport();
  }
  await page.screenshot({ path: 'end2end/test-results/screens/trades-cards-375.png', fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
});
