// The whole account as one file, through the pages: download the demo's account
// file from /import, import it as a new person, and see the same dashboard.
import { expect, test, type Page } from '@playwright/test';
import { signInAsDemo } from '../demo';

const LABELS = ['Total value', 'Cash', 'Invested', 'Market value', 'Realized P&L', 'Total return', 'Time-weighted return', 'Max drawdown', 'Win rate'];

async function cards(page: Page) {
  await page.goto('/');
  const overview = page.getByRole('region', { name: 'Overview' });
  await expect(overview).toBeVisible();
  const values: Record<string, string> = {};
  for (const label of LABELS) {
    const card = overview.locator('dl > div', { has: page.locator('dt', { hasText: new RegExp(`^${label.replace('&', '\\&')}$`) }) });
    values[label] = (await card.locator('dd').first().innerText()).trim();
  }
  const positions = await page.getByRole('table', { name: 'Open positions' }).locator('tbody tr').allInnerTexts();
  return { values, positions };
}

test('an account file downloaded from the page and imported as another person gives the same dashboard', async ({ page, browser }) => {
  test.setTimeout(90_000);
  await signInAsDemo(page);
  const demo = await cards(page);
  expect(demo.positions.length).toBeGreaterThan(0);

  await page.goto('/import');
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download account file' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^folio-account-demo-\d{4}-\d{2}-\d{2}\.json$/);
  const file = await download.path();

  const context = await browser.newContext();
  const other = await context.newPage();
  const name = `mover_${Date.now() % 1_000_000_000}`;
  await other.goto('/signup');
  await other.getByLabel('Username').fill(name);
  await other.getByLabel('Password').fill('a long enough password');
  await other.getByRole('button', { name: 'Create account' }).click();
  await expect(other.getByRole('region', { name: 'Three steps to your first numbers' })).toBeVisible();

  await other.goto('/import');
  await other.getByLabel('Account file').setInputFiles(file);
  await other.getByRole('button', { name: 'Import account' }).click();
  await expect(other.getByRole('status')).toContainText('Account imported');
  const moved = await cards(other);
  expect(moved).toEqual(demo);

  // A second import is refused unless the person asks to replace their ledger.
  await other.goto('/import');
  await other.getByLabel('Account file').setInputFiles(file);
  await other.getByRole('button', { name: 'Import account' }).click();
  await expect(other.getByRole('alert')).toContainText('already has activities');
  await other.screenshot({ path: 'end2end/test-results/screens/import-account-refused.png', fullPage: true });
  await other.getByLabel('Account file').setInputFiles(file);
  await other.getByLabel('Replace my current ledger').check();
  await other.getByRole('button', { name: 'Import account' }).click();
  await expect(other.getByRole('status')).toContainText('Account imported');
  expect(await cards(other)).toEqual(demo);
  await context.close();
});
