// Screenshot baselines: the main pages in light and dark, at 1280 and 375 px,
// compared with the committed images in end2end/baselines/ (a small tolerance for
// anti-aliasing; what changes with the clock is masked). A layout regression fails
// here. After a deliberate change of the pages: `make e2e-baselines`, look at the
// new images, commit them.
//
// Runs against the app priced by the fake Finnhub (fixed prices), as one account
// with a fixed ledger, so the numbers on the pages are the same every day.
import { expect, test, type Page } from '@playwright/test';

const USER = 'visual';
const PASSWORD = 'visual baseline pw';
const LEDGER = [
  { kind: 'deposit', date: '2026-09-01', amount: '10000' },
  { kind: 'buy', date: '2026-09-02', symbol: 'AAPL', quantity: '10', price: '150', fee: '1' },
  { kind: 'buy', date: '2026-09-03', symbol: 'MSFT', quantity: '5', price: '300' },
  { kind: 'dividend', date: '2026-10-15', symbol: 'AAPL', amount: '2.40' },
];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request }) => {
  const signup = await request.post('/api/auth/signup', { data: { username: USER, password: PASSWORD } });
  if (signup.status() === 409) return; // made by an earlier run against this server
  expect(signup.status()).toBe(201);
  const token = (await signup.json()).access_token;
  for (const activity of LEDGER) {
    const created = await request.post('/api/activities', { data: activity, headers: { Authorization: `Bearer ${token}` } });
    expect(created.status(), JSON.stringify(activity)).toBe(201);
  }
});

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(USER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('region', { name: 'Overview' })).toBeVisible();
}

/** What changes with the clock rather than with the layout: times of day. */
function clockBound(page: Page) {
  return [page.locator('time'), page.getByText(/\b\d{1,2}:\d{2}( UTC)?\b/)];
}

const PAGES = [
  { name: 'login', path: '/login', signedIn: false },
  { name: 'dashboard', path: '/', signedIn: true },
  { name: 'trades', path: '/trades', signedIn: true },
];

for (const theme of ['light', 'dark'] as const) {
  for (const width of [1280, 375]) {
    test(`the main pages look as they did: ${theme}, ${width} px`, async ({ page, context, baseURL }) => {
      await context.addCookies([{ name: 'folio_theme', value: theme, url: baseURL! }]);
      await page.setViewportSize({ width, height: 900 });
      for (const { name, path, signedIn } of PAGES) {
        if (signedIn && !(await context.cookies()).some((c) => c.name === 'folio_token')) {
          await signIn(page);
        }
        await page.goto(path);
        await expect(page.locator('h1').first()).toBeVisible();
        await expect(page.locator('html')).toHaveClass(theme);
        if (name === 'dashboard') {
          // The allocation donut (CSS) is there; the performance chart has too
          // little history on this server and says so. Settled once the page has
          // loaded its WASM and hydrated.
          await expect(page.locator('[data-donut]')).toBeVisible();
          await page.waitForLoadState('networkidle');
        }
        await expect(page).toHaveScreenshot(`${name}-${theme}-${width}.png`, {
          fullPage: true,
          mask: clockBound(page),
          animations: 'disabled',
          caret: 'hide',
          maxDiffPixelRatio: 0.01,
        });
      }
    });
  }
}
