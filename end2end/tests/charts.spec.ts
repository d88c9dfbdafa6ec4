// The dashboard's charts in a real browser: drawn into a canvas, following the range
// and view links, resized with the window, disposed when the page goes away, a text
// summary without JavaScript, and a quiet console throughout.
import { expect, test, type Page } from '@playwright/test';
import { apiAsDemo, money, signInAsDemo as signIn } from '../demo';

async function signInAsDemo(page: Page) {
  await signIn(page);
  await expect(page.getByRole('region', { name: 'Overview' })).toBeVisible();
}

/** Console errors and warnings, page errors, and Leptos' hydration complaints. */
function watchConsole(page: Page) {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

const performanceBox = (page: Page) => page.getByRole('region', { name: 'Performance' }).locator('[data-chart-drawn]').first();

/** How many of the canvas's pixels are painted (not transparent). */
async function paintedPixels(page: Page, box: ReturnType<typeof performanceBox>) {
  return box.locator('canvas').first().evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
  });
}

/** The option ECharts is drawing, read from the instance on the chart's element. */
async function drawnOption(box: ReturnType<typeof performanceBox>) {
  return box.locator('[role="img"]').evaluate((el) => {
    const chart = (window as any).echarts.getInstanceByDom(el);
    const option = chart.getOption();
    return {
      dates: option.xAxis?.[0]?.data ?? [],
      series: option.series.map((s: any) => ({ name: s.name, data: s.data })),
    };
  });
}

test('the performance chart draws, follows the range and view links, and the console stays quiet', async ({ page, request }) => {
  const problems = watchConsole(page);
  await signInAsDemo(page);
  const box = performanceBox(page);
  await expect(box).toHaveAttribute('data-chart-drawn', 'true');
  expect(await paintedPixels(page, box)).toBeGreaterThan(2_000);

  const all = await apiAsDemo(request, '/api/dashboard/performance');
  const drawn = await drawnOption(box);
  expect(drawn.dates).toEqual(all.data.points.map((p: any) => p.date));
  expect(drawn.series.map((s: any) => s.name)).toEqual(['Portfolio', all.data.benchmark]);
  const last = all.data.points.at(-1);
  expect(drawn.series[0].data.at(-1)).toBeCloseTo(last.cumulative_twr, 2);

  // 1M: fewer days, a different picture, the range in the URL, the cards follow.
  const before = await box.locator('canvas').first().evaluate((c: HTMLCanvasElement) => c.toDataURL());
  await page.getByRole('navigation', { name: 'Range' }).getByRole('link', { name: '1M' }).click();
  await expect(page).toHaveURL(/[?&]range=1M/);
  await expect(page.getByRole('navigation', { name: 'Range' }).getByRole('link', { name: '1M' })).toHaveAttribute('aria-current', 'true');
  const month = await apiAsDemo(request, '/api/dashboard/performance?range=1M');
  await expect.poll(async () => (await drawnOption(box)).dates.length).toBe(month.data.points.length);
  expect(month.data.points.length).toBeLessThan(all.data.points.length);
  expect(await box.locator('canvas').first().evaluate((c: HTMLCanvasElement) => c.toDataURL())).not.toBe(before);
  await expect(page.locator('#range-caption')).toContainText('cover the last month');

  // The drawdown view replaces the two return lines with one series, never above 0.
  await page.getByRole('navigation', { name: 'Chart view' }).getByRole('link', { name: 'Drawdown' }).click();
  await expect(page).toHaveURL(/chart=drawdown/);
  await expect.poll(async () => (await drawnOption(box)).series.map((s: any) => s.name)).toEqual(['Drawdown']);
  const drawdown = (await drawnOption(box)).series[0].data as number[];
  expect(Math.max(...drawdown)).toBeLessThanOrEqual(0);
  await expect(page).toHaveURL(/range=1M/);

  // A tooltip on hover.
  const canvas = box.locator('canvas').first();
  await canvas.scrollIntoViewIfNeeded();
  const size = (await canvas.boundingBox())!;
  await page.mouse.move(size.x + size.width * 0.6, size.y + size.height * 0.5);
  await expect(box.locator('div').filter({ hasText: /Drawdown\s*[−-]?\d/ }).last()).toBeVisible();

  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-chart-drawdown.png', fullPage: true });
  expect(problems).toEqual([]);
});

test('the Value view draws money over time, ends at the total value and marks the trades', async ({ page, request }) => {
  await signInAsDemo(page);
  await page.goto('/?chart=value');
  const box = performanceBox(page);
  await expect(box).toHaveAttribute('data-chart-drawn', 'true');
  const overview = (await apiAsDemo(request, '/api/dashboard/overview')).data;
  const drawn = await drawnOption(box);
  expect(drawn.series.map((s: any) => s.name)).toEqual(['Total value', 'Net contributions', 'Buy', 'Sell']);
  expect(drawn.series[0].data.at(-1)).toBeCloseTo(overview.total_value, 2);
  expect(drawn.series[1].data.at(-1)).toBeCloseTo(overview.net_contributions, 2);
  const buys = drawn.series[2].data.filter((d: any) => d && d.note);
  expect(buys.length).toBeGreaterThan(0);
  expect(buys[0].note).toMatch(/^Buy [\d.]+ [A-Z]+ at \$[\d,]+\.\d{2}/);
  // The tooltip speaks dollars.
  const canvas = box.locator('canvas').first();
  await canvas.scrollIntoViewIfNeeded();
  const size = (await canvas.boundingBox())!;
  await page.mouse.move(size.x + size.width * 0.9, size.y + size.height * 0.5);
  await expect(box.locator('div').filter({ hasText: /Total value\s*\$[\d,]+\.\d\d/ }).last()).toBeVisible();
  await expect(box.locator('div').filter({ hasText: /Gain\s*[+−]?\$[\d,]+\.\d\d \([+−]?\d+\.\d\d %\)/ }).last()).toBeVisible();
  await page.screenshot({ path: 'end2end/test-results/screens/dashboard-chart-value.png', fullPage: true });
});

test('the allocation donut draws every industry and cash, in CSS', async ({ page, request }) => {
  await signInAsDemo(page);
  const donut = page.getByRole('img', { name: /^Allocation by industry:/ });
  await expect(donut).toBeVisible();
  const positions = await apiAsDemo(request, '/api/dashboard/positions');
  const industries = new Set(positions.data.filter((p: any) => p.market_value != null).map((p: any) => p.industry ?? 'Industry unknown'));
  // One arc per slice, closing the circle.
  const background = await donut.evaluate((el) => getComputedStyle(el).backgroundImage);
  expect(background).toMatch(/^conic-gradient\(/);
  const colours = new Set(background.match(/rgb\([^)]*\)/g) ?? []);
  expect(colours.size).toBe(industries.size + 1);
  expect(background).toContain('100%');
  // The HTML legend lists the same slices, largest first, with their shares.
  const legend = page.getByRole('list', { name: 'Allocation by industry' }).getByRole('listitem');
  await expect(legend).toHaveCount(industries.size + 1);
  const names = (await legend.locator('span.truncate').allInnerTexts()).map((t) => t.trim());
  expect(new Set(names)).toEqual(new Set([...industries, 'Cash']));
  await expect(legend.first()).toContainText(/\d+\.\d % · \$/);
  expect(await donut.getAttribute('aria-label')).toContain(names[0]);
});

test('charts resize with the window and are disposed when the page goes away', async ({ page }) => {
  await signInAsDemo(page);
  const box = performanceBox(page);
  await expect(box).toHaveAttribute('data-chart-drawn', 'true');
  const width = () => box.locator('canvas').first().evaluate((c: HTMLCanvasElement) => c.getBoundingClientRect().width);
  const wide = await width();
  await page.setViewportSize({ width: 420, height: 800 });
  await expect.poll(width).toBeLessThan(wide);
  await expect.poll(async () => Math.abs((await width()) - (await box.boundingBox())!.width)).toBeLessThan(2);

  const id = await box.locator('[role="img"]').getAttribute('_echarts_instance_');
  expect(id).toBeTruthy();
  // Client-side navigation: the dashboard's components are torn down, not reloaded.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activities' }).click();
  await expect(page).toHaveURL(/\/trades$/);
  expect(await page.evaluate((key) => (window as any).echarts.getInstanceById(key), id)).toBeUndefined();
  // Back to the dashboard from a page without charts: a full load brings the library.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(performanceBox(page)).toHaveAttribute('data-chart-drawn', 'true');
});

test('prices refresh every minute without a reload', async ({ page }) => {
  await page.clock.install();
  await signInAsDemo(page);
  await expect(performanceBox(page)).toHaveAttribute('data-chart-drawn', 'true');
  const navigations: string[] = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  const refreshed = page.waitForRequest((r) => /\/api\/get_dashboard/i.test(r.url()));
  await page.clock.runFor(61_000);
  await refreshed;
  await expect(page.getByText(/^Demo prices — simulated, not market data · updated \d\d:\d\d UTC$/)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Open positions' })).toBeVisible();
  expect(navigations).toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the numbers are in the HTML and the chart area holds a text summary', async ({ page, request }) => {
    await signInAsDemo(page);
    const overview = await apiAsDemo(request, '/api/dashboard/overview');
    const card = (label: string) => page.getByRole('region', { name: 'Overview' })
      .locator('dl > div', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').first();
    await expect(card('Total value')).toHaveText(money(overview.data.total_value));
    await expect(card('Cash')).toHaveText(money(overview.data.cash));

    const perf = await apiAsDemo(request, '/api/dashboard/performance');
    const box = performanceBox(page);
    await expect(box).toHaveAttribute('data-chart-drawn', 'false');
    await expect(box).toContainText(`${perf.data.points[0].date} to ${perf.data.points.at(-1).date}`);
    await expect(box).toContainText(/Portfolio [+−]?\d+\.\d\d % \(time-weighted\)/);
    await expect(page.getByRole('list', { name: 'Allocation by industry' })).toContainText('Cash');
    await expect(page.getByRole('list', { name: 'Legend' })).toContainText(perf.data.benchmark);

    // The range is a link the server renders.
    await page.getByRole('navigation', { name: 'Range' }).getByRole('link', { name: '3M' }).click();
    const three = await apiAsDemo(request, '/api/dashboard/performance?range=3M');
    await expect(performanceBox(page)).toContainText(`${three.data.points[0].date} to`);
    await page.screenshot({ path: 'end2end/test-results/screens/dashboard-no-js-1280.png', fullPage: true });
  });
});
