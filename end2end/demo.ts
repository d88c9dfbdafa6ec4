// Shared by the specs: the seeded demo account, in the browser and through the API.
import type { APIRequestContext, Page } from '@playwright/test';

/** Signs in through the form as demo / demo123 (lands on the dashboard). */
export async function signInAsDemo(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Username').fill('demo');
  await page.getByLabel('Password').fill('demo123');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** GET an API path as demo and return the parsed body. */
export async function apiAsDemo(request: APIRequestContext, path: string) {
  const login = await request.post('/api/auth/login', { data: { username: 'demo', password: 'demo123' } });
  const token = (await login.json()).access_token;
  return (await request.get(path, { headers: { Authorization: `Bearer ${token}` } })).json();
}

/** Money as the pages write it: `$1,234.50`. */
export const money = (n: number) => '$' + n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
