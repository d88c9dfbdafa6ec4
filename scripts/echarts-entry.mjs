// The ECharts build Folio serves from public/echarts/: only the parts the pages
// draw with (line charts, grid, tooltip, canvas renderer; the legends are HTML on
// the page and the allocation donut is CSS), so the browser downloads a fraction
// of the full library. Bundled by scripts/bootstrap.sh with esbuild into one minified script
// that sets `window.echarts`, which src/components/chart.rs calls.
//
// Options are built on the server as JSON, which cannot carry functions. Where a
// label or tooltip needs one (money with separators, a true minus sign, dates in
// the reader's own locale), the server writes a name such as "folio:money" and
// `window.folioOption` swaps in the function below before the option is drawn.
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, GridComponent, TooltipComponent, CanvasRenderer]);
window.echarts = echarts;

const minus = (text) => text.replace('-', '\u2212');
const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const compactDollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
const money = (v) => (v == null || Number.isNaN(+v) ? '—' : minus(dollars.format(+v)));
const percent = (v) => (v == null || Number.isNaN(+v) ? '—' : minus(`${(+v).toFixed(2)} %`));
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// Dates arrive as ISO days; they are shown in the reader's locale, at noon UTC so
// that no time zone moves them to another day.
const day = (iso, style) => {
  const date = new Date(`${iso}T12:00:00Z`);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleDateString(undefined, style);
};

// An axis tooltip: the day, then one line per series with a value that day, in
// `unit`; a point that carries a note (a trade marker) shows the note instead.
const axisTooltip = (items, unit) => {
  const list = Array.isArray(items) ? items : [items];
  if (!list.length) return '';
  const lines = list
    .filter((p) => p.value != null && p.value !== '-')
    .map((p) => {
      const note = p.data && p.data.note;
      return `${p.marker}${escape(p.seriesName)} ${note ? escape(note) : `<b>${unit(p.value)}</b>`}`;
    });
  // The Value view: the gap between the value and the money put in, in $ and %.
  const value = list.find((p) => p.seriesName === 'Total value');
  const put = list.find((p) => p.seriesName === 'Net contributions');
  if (value && put && value.value != null && put.value != null) {
    const gain = value.value - put.value;
    const share = put.value ? ` (${gain > 0 ? '+' : ''}${percent((gain / put.value) * 100)})` : '';
    lines.push(`Gain <b>${gain > 0 ? '+' : ''}${money(gain)}</b>${share}`);
  }
  return [`<b>${escape(day(list[0].axisValue, { year: 'numeric', month: 'short', day: 'numeric' }))}</b>`, ...lines].join('<br/>');
};

const formatters = {
  'folio:money': money,
  'folio:percent': percent,
  'folio:money-axis': (v) => minus(compactDollars.format(+v)),
  'folio:percent-axis': (v) => minus(`${+v} %`),
  'folio:day-axis': (v) => day(v, { month: 'short', day: 'numeric' }),
  'folio:month-axis': (v) => day(v, { month: 'short', year: '2-digit' }),
  'folio:money-tooltip': (items) => axisTooltip(items, money),
  'folio:percent-tooltip': (items) => axisTooltip(items, percent),
};

const swap = (value) => (typeof value === 'string' && formatters[value]) || value;
const each = (part, visit) => (Array.isArray(part) ? part.forEach(visit) : part && visit(part));

window.folioOption = (option) => {
  each(option.tooltip, (t) => {
    t.formatter = swap(t.formatter);
    t.valueFormatter = swap(t.valueFormatter);
    // Themed by the page's CSS (.folio-tooltip), not ECharts' white box.
    t.className = 'folio-tooltip';
  });
  for (const axis of ['xAxis', 'yAxis']) {
    each(option[axis], (a) => a.axisLabel && (a.axisLabel.formatter = swap(a.axisLabel.formatter)));
  }
  return option;
};

// The price badge's times (`data-utc-times`, Unix seconds, written by the server as
// "14:32 UTC") in the reader's own time zone, now and whenever the badge is drawn
// again (the dashboard refreshes every minute).
const utcClock = (t) => {
  const d = new Date(t * 1000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
};
const localClock = (t) =>
  new Date(t * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZoneName: 'short' });
const localiseTimes = () => {
  for (const el of document.querySelectorAll('[data-utc-times]')) {
    for (const t of el.dataset.utcTimes.split(',').filter(Boolean).map(Number)) {
      const [utc, local] = [utcClock(t), localClock(t)];
      // Only a real change is written: the write is itself a mutation.
      if (utc !== local && el.textContent.includes(utc)) el.textContent = el.textContent.replace(utc, local);
    }
  }
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', localiseTimes);
else localiseTimes();
new MutationObserver(localiseTimes).observe(document.documentElement, { childList: true, subtree: true });
