// Recording activities in the browser: add a buy and see the position, edit it,
// delete it (with a confirmation); the same form works with JavaScript off.
import { expect, test, type Page } from '@playwright/test';

async function signUp(page: Page, prefix: string) {
  const name = `${prefix}_${Date.now() % 1_000_000_000}`;
  await page.goto('/signup');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('region', { name: 'Three steps to your first numbers' })).toBeVisible();
}

function daysAgo(n: number) {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

async function addActivity(page: Page, fields: Record<string, string>) {
  await page.goto('/activities/new');
  // Before the page hydrates, a kind chosen in the server-rendered form can be put
  // back to the default as hydration takes over, and its fields stay hidden: choose
  // it again until the field this kind needs is shown.
  const needed = fields.amount !== undefined ? 'Amount' : 'Quantity';
  await expect(async () => {
    await page.getByLabel('Kind').selectOption(fields.kind);
    await expect(page.getByLabel(needed)).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await page.getByLabel('Date').fill(fields.date);
  for (const [label, key] of [['Symbol', 'symbol'], ['Quantity', 'quantity'], ['Price per share', 'price'], ['Amount', 'amount']]) {
    if (fields[key] !== undefined) await page.getByLabel(label).fill(fields[key]);
  }
  await page.getByRole('button', { name: 'Add activity' }).click();
}

test('add a buy, see the position, edit it, delete it', async ({ page }) => {
  test.setTimeout(60_000); // three writes and five page loads: 27 s on a busy 2-core machine
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await signUp(page, 'ledger');
  await addActivity(page, { kind: 'deposit', date: daysAgo(10), amount: '10,000' });
  await expect(page.getByRole('status')).toContainText('Activity added');

  await page.goto('/activities/new');
  await page.getByLabel('Kind').selectOption('buy');
  // Once hydrated, a buy shows no amount field.
  await expect(page.getByLabel('Amount')).toBeHidden();
  await page.getByLabel('Date').fill(daysAgo(5));
  await page.getByLabel('Symbol').fill('AAPL');
  await page.getByLabel('Symbol').blur();
  // The current price is filled in from the market data.
  await expect(page.getByLabel('Price per share')).not.toHaveValue('');
  await page.getByLabel('Price per share').fill('150.00');
  await page.getByLabel('Quantity').fill('7');
  await page.screenshot({ path: 'end2end/test-results/screens/activity-form.png', fullPage: true });
  await page.getByRole('button', { name: 'Add activity' }).click();
  await expect(page.getByRole('status')).toContainText('Activity added');
  await page.screenshot({ path: 'end2end/test-results/screens/activities.png', fullPage: true });

  await page.goto('/');
  const positions = page.getByRole('table', { name: 'Open positions' });
  await expect(positions.locator('tbody tr')).toHaveCount(1);
  await expect(positions.getByRole('rowheader')).toContainText('AAPL');
  await expect(positions.locator('tbody tr td').first()).toHaveText('7');

  await page.goto('/trades');
  await page.getByRole('link', { name: /^Edit: Buy 7 AAPL/ }).click();
  await page.getByLabel('Quantity').fill('9');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Activity saved');
  await page.goto('/');
  await expect(page.getByRole('table', { name: 'Open positions' }).locator('tbody tr td').first()).toHaveText('9');

  await page.goto('/trades');
  await page.getByRole('link', { name: /^Delete: Buy 9 AAPL/ }).click();
  await expect(page.getByText('Delete this activity?')).toBeVisible();
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('status')).toContainText('Activity deleted');
  await page.goto('/');
  await expect(page.getByText('No open positions yet.')).toBeVisible();
  expect(problems).toEqual([]);
});

test('a refused activity explains the rule and keeps what was typed', async ({ page }) => {
  await signUp(page, 'refused');
  await addActivity(page, { kind: 'sell', date: daysAgo(3), symbol: 'MSFT', quantity: '5', price: '400' });
  await expect(page.getByRole('alert')).toContainText('sells more shares than you held');
  await expect(page.getByLabel('Symbol')).toHaveValue('MSFT');
  await expect(page.getByLabel('Quantity')).toHaveValue('5');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the add form is a plain form post', async ({ page }) => {
    await signUp(page, 'nojs');
    await page.goto('/activities/new');
    // Every field shows, labelled with the kinds that use it.
    await expect(page.getByLabel('Amount')).toBeVisible();
    await page.getByLabel('Kind').selectOption('deposit');
    await page.getByLabel('Date').fill(daysAgo(2));
    await page.getByLabel('Amount').fill('2500');
    await page.getByRole('button', { name: 'Add activity' }).click();
    await expect(page.getByRole('status')).toContainText('Activity added');
    await expect(page.getByRole('row', { name: /deposit/i })).toContainText('$2,500.00');
  });
});

test('import a CSV through the page: check it, then import it', async ({ page }) => {
  await signUp(page, 'csv');
  await page.goto('/import');
  const bad = 'date,kind,symbol,quantity,price,amount\n2026-01-05,deposit,,,,5000\n2026-01-06,sell,AAPL,5,60,\n';
  await page.getByLabel('CSV file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.getByRole('button', { name: 'Check file' }).click();
  const check = page.getByRole('region', { name: 'Import check' });
  await expect(check).toContainText('2 rows: 1 new, 0 already in your ledger, 1 with problems.');
  await expect(check).toContainText('line 3');
  await expect(check).toContainText('Cannot sell 5 AAPL');
  await expect(check.getByRole('button', { name: /^Import/ })).toHaveCount(0);

  await page.goto('/import');
  const good = 'Date,Kind,Symbol,Quantity,Price,Amount,Fee,Note\n2026-01-05,deposit,,,,"$5,000.00",,\n2026-01-06,buy,AAPL,5,60,,1,first buy\n';
  await page.getByLabel('CSV file').setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(check).toContainText('2 rows: 2 new, 0 already in your ledger, 0 with problems.');
  await page.screenshot({ path: 'end2end/test-results/screens/import-check.png', fullPage: true });
  await check.getByRole('button', { name: 'Import 2 activities' }).click();
  await expect(page.getByRole('status')).toContainText('Import done');
  await expect(page.getByRole('link', { name: /^Edit: Buy 5 AAPL at \$60\.00/ })).toBeVisible();
});

test('the ledger pages fit a 375 px phone', async ({ page }) => {
  await signUp(page, 'phone');
  await addActivity(page, { kind: 'deposit', date: daysAgo(4), amount: '3000' });
  await page.setViewportSize({ width: 375, height: 740 });
  for (const [path, name] of [['/trades', 'trades-375'], ['/activities/new', 'activity-form-375'], ['/import', 'import-375']]) {
    await page.goto(path);
    await page.screenshot({ path: `end2end/test-results/screens/${name}.png`, fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(375);
  }
});
