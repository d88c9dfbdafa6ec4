// Price history from day one, in a real browser, against the app that fetches
// history from the fake's Yahoo chart API (scripts/e2e.sh: serve_history): a
// three-year broker file is imported, the dashboard says it is loading the price
// history and then draws the chart; a split the source reported is offered and,
// once accepted, multiplies the position's shares.
import { expect, test, type Page } from '@playwright/test';

const DAY = 86_400_000;

/** A weekday `n` days before now, as YYYY-MM-DD (the fake trades Monday to Friday). */
function weekdayAgo(n: number) {
  let at = Date.now() - n * DAY;
  while ([0, 6].includes(new Date(at).getUTCDay())) at -= DAY;
  return new Date(at).toISOString().slice(0, 10);
}

async function signUp(page: Page) {
  await page.goto('/signup');
  await page.getByLabel('Username').fill(`history_${Date.now() % 1_000_000_000}`);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('region', { name: 'Three steps to your first numbers' })).toBeVisible();
}

test('a three-year import loads its price history into a drawn chart, and a reported split is offered and applied', async ({ page, request }) => {
  test.setTimeout(120_000);
  const fake = process.env.FAKE_FINNHUB_URL!;
  const splitDay = weekdayAgo(100);
  const splitAt = Math.floor(Date.parse(`${splitDay}T14:30:00Z`) / 1000);
  expect((await request.post(`${fake}/_fake/splits/NVDA`, { data: [{ date: splitAt, numerator: 10, denominator: 1 }] })).status()).toBe(204);

  await signUp(page);
  // Seven symbols and the benchmark: eight calls at Yahoo's one a second, so the
  // history takes several seconds to arrive after the import.
  const rows = [
    `${weekdayAgo(1100)},deposit,,,,100000`,
    ...['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'TSLA', 'META'].map((s, i) => `${weekdayAgo(1090 - i)},buy,${s},5,100,`),
    `${weekdayAgo(900)},buy,NVDA,5,300,`,
    `${weekdayAgo(300)},buy,NVDA,2,400,`,
  ];
  const csv = `date,kind,symbol,quantity,price,amount\n${rows.join('\n')}\n`;
  await page.goto('/import');
  await page.getByLabel('CSV file').setInputFiles({ name: 'broker.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Check file' }).click();
  await page.getByRole('region', { name: 'Import check' }).getByRole('button', { name: 'Import 9 activities' }).click();
  await expect(page.getByRole('status')).toContainText('Import done');

  await page.goto('/');
  const performance = page.getByRole('region', { name: 'Performance' });
  await expect(performance).toContainText(/Loading price history: \d of 8 symbols/);
  await page.screenshot({ path: 'end2end/test-results/screens/history-loading.png', fullPage: true });

  // The message turns into a drawn chart once the history is in (reloaded until then).
  const drawn = performance.locator('[data-chart-drawn="true"]');
  await expect(async () => {
    await page.reload();
    await expect(drawn).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(performance).not.toContainText('Loading price history');

  // The split is offered, not applied: 7 NVDA until it is accepted, 70 after.
  const nvdaRow = page.getByRole('table', { name: 'Open positions' }).getByRole('row', { name: /NVDA/ });
  await expect(nvdaRow.locator('td').first()).toHaveText('7');
  const offer = page.getByRole('region', { name: 'Splits missing from your ledger' });
  await expect(offer).toContainText(`NVDA split 10:1 on ${splitDay}`);
  await offer.getByRole('button', { name: 'Add the NVDA split' }).click();
  await expect(page.getByRole('status')).toContainText('Activity added');
  await page.goto('/');
  await expect(page.getByRole('region', { name: 'Splits missing from your ledger' })).toHaveCount(0);
  await expect(nvdaRow.locator('td').first()).toHaveText('70');
  await page.screenshot({ path: 'end2end/test-results/screens/history-split-applied.png', fullPage: true });
});
