// The interactive API docs: Swagger UI served by Folio itself renders the OpenAPI
// document under the app's Content-Security-Policy, and "Try it out" reaches the API.
import { expect, test } from '@playwright/test';

test('the /docs page renders every operation with no console or CSP errors', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
  const external: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(new URL(page.url() || 'http://127.0.0.1').origin) && !request.url().startsWith('data:')) {
      external.push(request.url());
    }
  });

  await page.goto('/docs');
  await expect(page.getByRole('heading', { name: /Folio API/ })).toBeVisible();
  for (const path of ['/api/auth/login', '/api/dashboard/overview', '/api/dashboard/trades', '/api/dashboard/quote/{symbol}']) {
    await expect(page.locator('.opblock-summary-path', { hasText: path }).first()).toBeVisible();
  }
  await expect(page.getByRole('button', { name: /Authorize/ })).toBeVisible();
  await page.screenshot({ path: 'end2end/test-results/screens/api-docs.png', fullPage: false });
  expect(problems).toEqual([]);
  expect(external.filter((url) => !url.includes('127.0.0.1') && !url.includes('localhost'))).toEqual([]);
});

test('"Try it out" on the docs page calls the API', async ({ page }) => {
  await page.goto('/docs');
  const healthz = page.locator('.opblock', { has: page.locator('.opblock-summary-path', { hasText: /^\/healthz$/ }) });
  await healthz.locator('.opblock-summary').click();
  // The page opens operations in "try it out" mode (tryItOutEnabled), so Execute is there.
  await healthz.getByRole('button', { name: 'Execute' }).click();
  await expect(healthz.locator('.responses-table .response .response-col_status').first()).toContainText('200');
  await expect(healthz.locator('.highlight-code').first()).toContainText('"status": "ok"');
});
