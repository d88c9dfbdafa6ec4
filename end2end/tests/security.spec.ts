// Hardening seen from a real browser: a script in the URL runs nothing, the CSP has
// no 'unsafe-inline' scripts yet the page hydrates, and "Sign out everywhere" ends
// the session in another browser.
import { expect, test, type Browser, type Page } from '@playwright/test';

async function signUp(page: Page, prefix: string) {
  const name = `${prefix}_${Date.now() % 1_000_000_000}_${Math.floor(Math.random() * 1000)}`;
  await page.goto('/signup');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('region', { name: 'Three steps to your first numbers' })).toBeVisible();
  return name;
}

async function signIn(page: Page, name: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: new RegExp(`Welcome.*${name}`) })).toBeVisible();
}

test('a script in the symbol path runs nothing, and the CSP allows no inline script', async ({ page }) => {
  const dialogs: string[] = [];
  const problems: string[] = [];
  page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(err.message));
  await signUp(page, 'xss');

  for (const payload of ['</title><img src=x onerror=alert(document.cookie)>', '<script>alert(1)</script>']) {
    const response = await page.goto(`/symbol/${encodeURIComponent(payload)}`);
    expect(response?.status()).toBe(404);
    const policy = response?.headers()['content-security-policy'] ?? '';
    const scripts = policy.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
    expect(scripts).toContain("'nonce-");
    expect(scripts).not.toContain('unsafe-inline');
    await expect(page).toHaveTitle('Symbol not found · Folio');
    await expect(page.getByRole('heading', { name: 'Symbol not found' })).toBeVisible();
  }
  // The signed-out route to the same page: /login?next=… lands on a local path only.
  await page.waitForLoadState('networkidle');
  expect(dialogs).toEqual([]);
  // Hydration ran under the nonce CSP: the dashboard's client code works.
  await page.goto('/');
  await page.waitForLoadState('networkidle');
  await expect(page.getByRole('button', { name: 'Auto' })).toBeVisible();
  expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
});

test('sign out everywhere ends the session in another browser too', async ({ browser }: { browser: Browser }) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  const a = await first.newPage();
  const b = await second.newPage();
  const name = await signUp(a, 'everywhere');
  await signIn(b, name);

  await a.getByText(name, { exact: true }).first().click();
  await expect(a.getByRole('button', { name: 'Sign out everywhere' })).toBeVisible();
  await a.screenshot({ path: 'end2end/test-results/screens/account-menu.png' });
  await a.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(a).toHaveURL(/\/login$/);

  await b.reload();
  await expect(b).toHaveURL(/\/login$/);
  await first.close();
  await second.close();
});
