// Signing in and out, in a real browser, with and without JavaScript.
import { expect, test, type Page } from '@playwright/test';

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `end2end/test-results/screens/${name}.png`, fullPage: true });

async function signIn(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('signing in as demo lands on a dashboard that greets demo', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(err.message));

  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await shot(page, 'login');
  await signIn(page, 'demo', 'demo123');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Welcome back, demo' })).toBeVisible();
  // Hydration finished without complaints.
  await page.waitForLoadState('networkidle');
  await shot(page, 'dashboard');
  expect(errors).toEqual([]);
});

test('a wrong password shows an error and keeps the username', async ({ page }) => {
  await signIn(page, 'demo', 'definitely-wrong');
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page.getByLabel('Username')).toHaveValue('demo');
  // The username is in the server's HTML, not only set by the WASM.
  expect(await page.content()).toContain('value="demo"');
  await expect(page.getByLabel('Password')).toHaveValue('');
  await shot(page, 'login-error');
});

test('signing out returns to the sign-in page and locks the dashboard', async ({ page }) => {
  await signIn(page, 'demo', 'demo123');
  await expect(page.getByRole('heading', { name: /Welcome back/ })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('signing in and out still works', async ({ page }) => {
    await signIn(page, 'demo', 'demo123');
    await expect(page.getByRole('heading', { name: 'Welcome back, demo' })).toBeVisible();
    await shot(page, 'dashboard-no-js');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
  });
});

test('a new account can be created and is signed in', async ({ page }) => {
  const name = `e2e_${Date.now() % 1_000_000_000}`;
  await page.goto('/signup');
  await shot(page, 'signup');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toHaveText('A password needs at least 8 characters.');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: `Welcome to Folio, ${name}` })).toBeVisible();
});

test('an unknown page says so', async ({ page }) => {
  await signIn(page, 'demo', 'demo123');
  await expect(page.getByRole('heading', { name: /Welcome back/ })).toBeVisible();
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'This page does not exist' })).toBeVisible();
  await shot(page, 'not-found');
});

test.describe('on a 375 px phone', () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test('sign-in and dashboard fit without sideways scrolling', async ({ page }) => {
    await page.goto('/login');
    await shot(page, 'login-375');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Welcome back, demo' })).toBeVisible();
    await shot(page, 'dashboard-375');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });
});
