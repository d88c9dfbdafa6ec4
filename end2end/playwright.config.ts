// Playwright against a running Folio (scripts/e2e.sh starts one and sets FOLIO_E2E_URL).
// Debian's Chromium: Playwright's own browser download cannot work on these machines.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  // Screenshot baselines (visual.spec.ts), committed; `make e2e-baselines` renews them.
  snapshotPathTemplate: '{testDir}/../baselines/{arg}{ext}',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  workers: 2,
  retries: 0,
  reporter: [['list'], ['html', { outputFolder: './playwright-report', open: 'never' }]],
  // Two apps: one priced by the fake Finnhub, one on demo prices (scripts/e2e.sh).
  // The charts need history, which only demo prices can back-fill.
  projects: [
    { name: 'finnhub', testIgnore: /(charts|screenshots|accessibility|history|live)\.spec\.ts/, use: { baseURL: process.env.FOLIO_E2E_URL ?? 'http://127.0.0.1:3000' } },
    // Price history fetched from the fake's Yahoo chart API (FOLIO_HISTORY_SOURCE=yahoo).
    { name: 'live', testMatch: /live\.spec\.ts/, use: { baseURL: process.env.FOLIO_LIVE_URL ?? 'http://127.0.0.1:3000' } },
    { name: 'history', testMatch: /history\.spec\.ts/, use: { baseURL: process.env.FOLIO_HISTORY_URL ?? 'http://127.0.0.1:3000' } },
    { name: 'demo', testMatch: /(charts|screenshots|accessibility)\.spec\.ts/, use: { baseURL: process.env.FOLIO_DEMO_URL ?? 'http://127.0.0.1:3000' } },
  ],
  use: {
    baseURL: process.env.FOLIO_E2E_URL ?? 'http://127.0.0.1:3000',
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
