// A screenshot of every page at desktop (1280 px) and phone (375 px) width, kept in
// end2end/test-results/screens/pages/ for people to look at; each page must also
// fit a phone's width without sideways scrolling of the whole page.
import { expect, test, type Page } from '@playwright/test';
import { signInAsDemo } from '../demo';

const WIDTHS = [1280, 375];

async function capture(page: Page, name: string, path: string) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(path);
    await expect(page.locator('h1').first()).toBeVisible();
    if (path === '/' || path.startsWith('/?')) {
      await expect(page.locator('[data-chart-drawn="true"]')).toHaveCount(1);
    }
    await page.screenshot({ path: `end2end/test-results/screens/pages/${name}-${width}.png`, fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at ${width} px`).toBeLessThanOrEqual(width);
  }
}

test('signed-out pages', async ({ page }) => {
  await capture(page, 'login', '/login');
  await capture(page, 'signup', '/signup');
});

test('signed-in pages', async ({ page }) => {
  test.setTimeout(120_000);
  await signInAsDemo(page);
  await expect(page.getByRole('region', { name: 'Overview' })).toBeVisible();
  await capture(page, 'dashboard', '/');
  await capture(page, 'trades', '/trades');
  await capture(page, 'symbol', '/symbol/AAPL');
  await capture(page, 'activity-new', '/activities/new');
  await capture(page, 'import', '/import');
  await capture(page, 'not-found', '/no/such/page');
  // The dark theme, where the charts' text and lines must stay readable.
  await page.goto('/');
  await page.getByRole('form', { name: 'Theme' }).getByRole('button', { name: 'Dark' }).click();
  await expect(page.locator('html')).toHaveClass('dark');
  await capture(page, 'dashboard-dark', '/?range=1M');
  // The theme form comes back to the same page, query included.
  await page.getByRole('form', { name: 'Theme' }).getByRole('button', { name: 'Auto' }).click();
  await expect(page).toHaveURL(/\/\?range=1M$/);
  await expect(page.getByRole('region', { name: 'Overview' })).toBeVisible();
});
