// Accessibility of every page, light and dark, by axe-core's WCAG 2 A and AA rules
// (contrast, labels, landmarks, table markup, ARIA), and a quiet console while
// the pages load and hydrate.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { signInAsDemo } from '../demo';

const SIGNED_IN = ['/', '/?chart=drawdown', '/trades', '/symbol/AAPL', '/activities/new', '/import'];

function watchConsole(page: Page) {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${page.url()} ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()} pageerror: ${e.message}`));
  return problems;
}

async function audit(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('h1').first()).toBeVisible();
  if (path === '/' || path.startsWith('/?')) await expect(page.locator('[data-chart-drawn="true"]')).toHaveCount(1);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const found = result.violations.map((v) => `${path}: ${v.id} (${v.nodes.length}×) ${v.nodes[0]?.target.join(' ')} — ${v.nodes[0]?.failureSummary?.split('\n')[1] ?? v.help}`);
  return found;
}

test('signed-out pages have no WCAG A/AA violations', async ({ page }) => {
  const problems = watchConsole(page);
  const violations = [...(await audit(page, '/login')), ...(await audit(page, '/signup'))];
  expect(violations).toEqual([]);
  expect(problems).toEqual([]);
});

test("a new account's first-run dashboard has no WCAG A/AA violations", async ({ page }) => {
  await page.goto('/signup');
  await page.getByLabel('Username').fill(`a11y_${Date.now() % 1_000_000_000}`);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('region', { name: 'Three steps to your first numbers' })).toBeVisible();
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`)).toEqual([]);
});

for (const theme of ['Light', 'Dark']) {
  test(`signed-in pages have no WCAG A/AA violations (${theme.toLowerCase()} theme)`, async ({ page }) => {
    test.setTimeout(120_000);
    const problems = watchConsole(page);
    await signInAsDemo(page);
    await page.getByRole('form', { name: 'Theme' }).getByRole('button', { name: theme }).click();
    await expect(page.locator('html')).toHaveClass(theme.toLowerCase());
    const violations: string[] = [];
    for (const path of SIGNED_IN) violations.push(...(await audit(page, path)));
    await page.getByRole('form', { name: 'Theme' }).getByRole('button', { name: 'Auto' }).click();
    expect(violations).toEqual([]);
    expect(problems).toEqual([]);
  });
}
