// The API reference: ReDoc served by Folio itself renders the OpenAPI document under
// the app's Content-Security-Policy, with no request leaving the origin (no CDN, no
// web font).
import { expect, test } from '@playwright/test';

test('the /redoc page renders the document with no console or CSP errors and nothing from another origin', async ({ page, baseURL }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
  const origin = new URL(baseURL ?? 'http://127.0.0.1:3000').origin;
  const external: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) external.push(url);
  });

  await page.goto('/redoc');
  await expect(page.getByRole('heading', { name: /Folio API/ }).first()).toBeVisible();
  for (const summary of ['Portfolio overview: value, cash, P&L, returns and risk figures.', 'Add an activity.']) {
    await expect(page.getByRole('heading', { name: summary }).first()).toBeVisible();
  }
  // The closed sets show as enums in the schemas.
  await expect(page.getByText('"YTD"').first()).toBeAttached();
  await page.screenshot({ path: 'end2end/test-results/screens/api-redoc.png', fullPage: false });
  expect(problems).toEqual([]);
  expect(external).toEqual([]);
});
