// Lighthouse on the sign-in page (anonymous) and the dashboard (signed in as the demo
// user), each as a phone (Lighthouse's default configuration) and as a desktop (its
// desktop preset): performance, accessibility, best practices and SEO, with the bytes
// the page transferred. One line per page and form factor goes to stdout and to the
// report file; that run's full reports (JSON) to target/lighthouse/.
//   node scripts/lighthouse.mjs BASE_URL [REPORT_FILE]     (default bench-results/lighthouse.txt)
//   BENCH_LIGHTHOUSE_RUNS (default 3): runs per page and form factor; the run with the median
//   performance score is reported, with every run's performance score beside it.
// It measures and does not judge: low scores exit 0 (the targets are printed beside
// them); a crash, or a page Lighthouse could not load, exits 1.
// Nothing leaves the machine: the app is on 127.0.0.1, Chromium runs with
// chrome-launcher's flags that switch off its background traffic (component and
// extension updates, sync, safe browsing, field trials) and resolves no host name but
// the app's, and Lighthouse's error reporting stays off (it checks for no updates).
// Watched with strace: no DNS query and no packet to any other address (Chromium's
// one UDP connect() to a public IPv6 address is its route probe, which sends nothing).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as constants from 'lighthouse/core/config/constants.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [base, reportArg] = process.argv.slice(2);
if (!base) {
  console.error('usage: node scripts/lighthouse.mjs BASE_URL [REPORT_FILE]');
  process.exit(2);
}
const reportFile = reportArg ?? join(root, 'bench-results', 'lighthouse.txt');
const jsonDir = join(root, 'target', 'lighthouse');
const runs = Number(process.env.BENCH_LIGHTHOUSE_RUNS ?? 3);
const chromePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const categories = ['performance', 'accessibility', 'best-practices', 'seo'];
const target = { performance: 95, accessibility: 100, 'best-practices': 100, seo: 100 };

// The demo user's session cookie, from the same form the sign-in page posts.
async function signIn() {
  const response = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=demo&password=demo123',
    redirect: 'manual',
  });
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('folio_token='));
  if (!cookie) throw new Error(`sign-in as demo gave no session cookie (HTTP ${response.status})`);
  return cookie;
}

const describe = (t) => `${t.rttMs} ms RTT, ${(t.throughputKbps / 1000).toFixed(1)} Mbps, CPU ${t.cpuSlowdownMultiplier}x`;
const forms = [
  { name: 'mobile', config: undefined, throttling: `default (simulated: ${describe(constants.throttling.mobileSlow4G)}, Moto G Power screen)` },
  { name: 'desktop', config: desktopConfig, throttling: `desktop preset (simulated: ${describe(constants.throttling.desktopDense4G)}, 1350x940 screen)` },
];

const cookie = await signIn();
const pages = [
  { path: '/login', headers: {} },
  { path: '/', headers: { Cookie: cookie } },
];

const chromium = execFileSync(chromePath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const lighthouseVersion = createRequire(import.meta.url)('lighthouse/package.json').version;
const lines = [
  `# Folio Lighthouse — ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, ${cpus().length} cores, release build, demo prices, Lighthouse ${lighthouseVersion}, ${chromium} headless`,
  `# mobile: Lighthouse's ${forms[0].throttling}; desktop: its ${forms[1].throttling}`,
  `# median of ${runs} runs per line; targets: performance >= ${target.performance}, accessibility, best practices and SEO ${target.seo}; transfer = Lighthouse's total byte weight (every response as sent, headers included)`,
];
for (const line of lines) console.log(line);

const chrome = await chromeLauncher.launch({
  chromePath,
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
    // Debian's /usr/bin/chromium turns on remote extensions and Google sign-in (API
    // keys), which look up Google's hosts despite chrome-launcher's flags: no name
    // resolves but the app's, so nothing can leave the machine.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost'],
  logLevel: 'silent',
});
let failed = false;
try {
  mkdirSync(jsonDir, { recursive: true });
  for (const page of pages) {
    for (const form of forms) {
      const results = [];
      for (let run = 0; run < runs; run++) {
        const result = await lighthouse(`${base}${page.path}`, {
          port: chrome.port,
          output: 'json',
          logLevel: 'error',
          onlyCategories: categories,
          extraHeaders: page.headers,
        }, form.config);
        if (result.lhr.runtimeError) {
          throw new Error(`${page.path} ${form.name}: ${result.lhr.runtimeError.code} ${result.lhr.runtimeError.message}`);
        }
        results.push(result);
      }
      // The run with the median performance score (its other scores beside it).
      const chosen = [...results].sort((a, b) => a.lhr.categories.performance.score - b.lhr.categories.performance.score)[Math.floor((runs - 1) / 2)];
      const median = chosen.lhr;
      const file = `${page.path === '/' ? 'dashboard' : page.path.slice(1)}-${form.name}.json`;
      writeFileSync(join(jsonDir, file), chosen.report);
      const score = (id) => Math.round(median.categories[id].score * 100);
      const bytes = median.audits['total-byte-weight'].numericValue;
      const perfRuns = results.map((r) => Math.round(r.lhr.categories.performance.score * 100)).join('/');
      const line = `${page.path.padEnd(7)} ${form.name.padEnd(8)} performance ${String(score('performance')).padStart(3)} (runs ${perfRuns})  `
        + `accessibility ${String(score('accessibility')).padStart(3)}  best-practices ${String(score('best-practices')).padStart(3)}  `
        + `seo ${String(score('seo')).padStart(3)}  transfer ${(bytes / 1000).toFixed(1)} KB`;
      lines.push(line);
      console.log(line);
      // Why a category is below its target: its scored audits that did not pass.
      for (const id of categories) {
        if (score(id) >= target[id]) continue;
        for (const ref of median.categories[id].auditRefs) {
          const audit = median.audits[ref.id];
          if (ref.weight === 0 || audit.score === null || audit.score >= 1) continue;
          const detail = `    ${id}: ${ref.id} score ${audit.score.toFixed(2)}${audit.displayValue ? ` (${audit.displayValue})` : ''}`;
          lines.push(detail);
          console.log(detail);
        }
      }
      for (const warning of median.runWarnings) {
        const text = `    warning: ${warning.replace(/\s+/g, ' ')}`;
        lines.push(text);
        console.log(text);
      }
    }
  }
} catch (error) {
  failed = true;
  console.error(`lighthouse: ${error.stack ?? error}`);
} finally {
  await chrome.kill();
}
if (failed) process.exit(1);
mkdirSync(dirname(reportFile), { recursive: true });
writeFileSync(reportFile, `${lines.join('\n')}\n`);
console.log(`full reports of the median runs: ${jsonDir}/`);
