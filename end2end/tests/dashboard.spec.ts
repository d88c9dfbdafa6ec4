// The overview cards in a real browser: the same numbers as the API, "—" with reasons.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

async function signInAsDemo(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Username').fill('demo');
  await page.getByLabel('Password').fill('demo123');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** GET an API path as demo and return the parsed body. */
async function apiAsDemo(request: APIRequestContext, path: string) {
  const login = await request.post('/api/auth/login', { data: { username: 'demo', password: 'demo123' } });
  const token = (await login.json()).access_token;
  return (await request.get(path, { headers: { Authorization: `Bearer ${token}` } })).json();
}

test('the overview cards show the same numbers as the API', async ({ page, request }) => {
  await signInAsDemo(page);
  const overview = page.getByRole('region', { name: 'Overview' });
  await expect(overview).toBeVisible();
  const api = await apiAsDemo(request, '/api/dashboard/overview');
  const money = (n: number) => '$' + n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  const card = (label: string) => overview.locator('div', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
  await expect(card('Cash')).toHaveText(money(api.data.cash));
  await expect(card('Invested')).toHaveText(money(api.data.invested));
  await expect(card('Total value')).toHaveText(money(api.data.total_value));
  await expect(card('Realized P&L')).toHaveText('+' + money(api.data.realized_pnl));
  await expect(card('Win rate')).toHaveText(`${api.data.win_rate.toFixed(2)} %`);
  // End-to-end runs use the fake Finnhub, so prices are labelled live.
  await expect(page.getByText('Live · Finnhub')).toBeVisible();
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-cards.png', fullPage: true });
});

test('a new account sees dashes with reasons, not placeholder numbers', async ({ page }) => {
  const name = `cards_${Date.now() % 1_000_000_000}`;
  await page.goto('/signup');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  const overview = page.getByRole('region', { name: 'Overview' });
  await expect(overview).toBeVisible();
  const beta = overview.locator('div', { has: page.locator('dt', { hasText: /^Beta$/ }) }).locator('dd');
  await expect(beta).toHaveText('—');
  await expect(beta).toHaveAttribute('title', /needs at least 20 days|no history/);
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-empty.png', fullPage: true });
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
    expect(await row.locator('img, span[aria-hidden="true"]').count()).toBe(1);
  }
  await page.setViewportSize({ width: 375, height: 740 });
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-positions-375.png', fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
});
