// Shared by scripts/cluster-check.mjs and scripts/bench-cluster.mjs: starts a
// cluster through scripts/cluster.sh (the one place that knows how), and small
// helpers for its REST API, its live stream and the fake Finnhub. Node 20, no
// packages: global fetch, web streams.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const now = () => performance.now();

/** A port nobody listens on now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const running = new Set();

/** Stops every cluster this process started (also on Ctrl-C and on a crash). */
export async function stopAll() {
  await Promise.all([...running].map((cluster) => cluster.stop()));
}
let handlersInstalled = false;
function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, async () => {
      console.error(`\n${signal}: stopping the cluster`);
      await stopAll();
      process.exit(130);
    });
  }
  // Last resort on any exit: cluster.sh cleans up when told to (and, started with
  // --state, by itself once this process is gone).
  process.on('exit', () => {
    for (const cluster of running) cluster.kill();
  });
}

/**
 * Starts `scripts/cluster.sh` and waits until it is ready. Returns the addresses
 * and pids it wrote, and `stop()`, which ends it (the database is dropped).
 */
export async function startCluster({ instances = 3, listen, env = {}, settings = [], timeoutMs = 180_000 } = {}) {
  installHandlers();
  const state = mkdtempSync(path.join(os.tmpdir(), 'folio-cluster-'));
  listen ??= `127.0.0.1:${await freePort()}`;
  const args = ['--instances', String(instances), '--listen', listen, '--state', state, '--', ...settings];
  const child = spawn(path.join(root, 'scripts/cluster.sh'), args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const cluster = {
    state,
    child,
    info: null,
    kill() {
      if (!exited) child.kill('SIGTERM');
    },
    async stop() {
      if (!running.has(cluster)) return;
      running.delete(cluster);
      if (!exited) {
        child.kill('SIGTERM');
        const done = await Promise.race([exit, sleep(30_000).then(() => null)]);
        if (!done) {
          child.kill('SIGKILL');
          // cluster.sh could not clean up: end what it started ourselves.
          for (const pid of cluster.pids()) {
            try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
          }
        }
      }
      rmSync(state, { recursive: true, force: true });
    },
    pids() {
      if (!cluster.info) return [];
      return Object.entries(cluster.info).filter(([k]) => k.endsWith('_PID')).map(([, v]) => Number(v));
    },
  };
  running.add(cluster);
  const file = path.join(state, 'cluster.env');
  const deadline = now() + timeoutMs;
  while (!existsSync(file)) {
    if (exited) {
      running.delete(cluster);
      throw new Error(`scripts/cluster.sh stopped while starting (exit ${exited.code ?? exited.signal})`);
    }
    if (now() > deadline) {
      await cluster.stop();
      throw new Error(`the cluster was not ready within ${timeoutMs / 1000} s`);
    }
    await sleep(100);
  }
  const info = Object.fromEntries(
    readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)];
    }),
  );
  cluster.info = info;
  cluster.lb = info.LB_URL;
  cluster.fake = info.FAKE_URL;
  cluster.instances = [];
  for (let n = 1; n <= Number(info.INSTANCES); n++) {
    cluster.instances.push({ n, url: info[`INSTANCE_${n}_URL`], pid: Number(info[`INSTANCE_${n}_PID`]), log: info[`INSTANCE_${n}_LOG`] });
  }
  return cluster;
}

/**
 * One HTTP request. Never throws: `{status, ok, body, headers, ms, error}`, with
 * status 0 and `error` when no answer came (refused, reset, timed out).
 */
export async function request(base, method, urlPath, { token, json, form, headers = {}, timeoutMs = 30_000, raw = false } = {}) {
  const started = now();
  const init = { method, headers: { ...headers }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) };
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  try {
    const response = await fetch(base + urlPath, init);
    const text = await response.text();
    let body = text;
    if (!raw && (response.headers.get('content-type') ?? '').includes('json')) {
      try { body = JSON.parse(text); } catch { /* keep the text */ }
    }
    return { status: response.status, ok: response.ok, body, headers: response.headers, ms: now() - started };
  } catch (err) {
    return { status: 0, ok: false, body: null, headers: new Headers(), ms: now() - started, error: err.cause?.code ?? err.name ?? String(err) };
  }
}

/** The error code of a REST error answer, or its status. */
export function codeOf(response) {
  return response.body?.error?.code ?? (response.error ? `no answer (${response.error})` : `HTTP ${response.status}`);
}

/**
 * A live stream (`GET /api/stream`) read as a browser's EventSource would: it
 * reconnects after an error or an end (unless `stop()`ed or `reconnect` is false).
 * Every event is kept as {at, event, data}.
 */
export class LiveStream {
  constructor(base, token, { reconnect = true, label = base } = {}) {
    Object.assign(this, { base, token, reconnect, label });
    this.events = [];
    this.connects = 0;
    this.failures = [];
    this.open = false;
    this.stopped = false;
    this.controller = null;
    this.done = this.run();
  }

  async run() {
    while (!this.stopped) {
      this.controller = new AbortController();
      try {
        const response = await fetch(`${this.base}/api/stream`, {
          headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' },
          signal: this.controller.signal,
        });
        if (response.status !== 200) {
          this.failures.push({ at: now(), why: `HTTP ${response.status}` });
          await response.body?.cancel();
        } else {
          this.connects++;
          this.open = true;
          await this.read(response.body);
          if (!this.stopped) this.failures.push({ at: now(), why: 'ended' });
        }
      } catch (err) {
        if (!this.stopped) this.failures.push({ at: now(), why: err.cause?.code ?? err.name });
      }
      this.open = false;
      if (!this.reconnect || this.stopped) break;
      await sleep(1000);
    }
  }

  async read(body) {
    const decoder = new TextDecoder();
    let buffer = '';
    let event = 'message';
    let data = [];
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (data.length) {
            let parsed = data.join('\n');
            try { parsed = JSON.parse(parsed); } catch { /* not JSON */ }
            this.events.push({ at: now(), event, data: parsed });
          }
          event = 'message';
          data = [];
        } else if (line.startsWith(':')) {
          // a heartbeat comment
        } else {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
      }
    }
  }

  /** Quote events since `since` (performance.now() time). */
  quotesSince(since) {
    return this.events.filter((e) => e.at >= since && e.event === 'quote');
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }
}

/** The most items of `times` (ms, any order) within any window of `windowMs`. */
export function maxInWindow(times, windowMs) {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** 80 symbols: the fake's 8 and 72 more, each with a price. */
export const SYMBOLS = [
  'AAPL', 'MSFT', 'GOOGL', 'AMZN', 'TSLA', 'NVDA', 'META', 'SPY',
  'JPM', 'V', 'MA', 'UNH', 'HD', 'PG', 'JNJ', 'XOM', 'CVX', 'KO', 'PEP', 'MRK',
  'ABBV', 'AVGO', 'COST', 'WMT', 'MCD', 'DIS', 'ADBE', 'CRM', 'NFLX', 'INTC',
  'AMD', 'CSCO', 'ORCL', 'QCOM', 'TXN', 'IBM', 'BA', 'CAT', 'GE', 'MMM',
  'HON', 'UPS', 'LMT', 'RTX', 'GS', 'MS', 'BAC', 'WFC', 'C', 'AXP',
  'BLK', 'SCHW', 'T', 'VZ', 'TMUS', 'NKE', 'SBUX', 'LOW', 'TGT', 'BKNG',
  'PFE', 'LLY', 'ABT', 'TMO', 'DHR', 'BMY', 'AMGN', 'GILD', 'CVS', 'CI',
  'DE', 'F', 'GM', 'UBER', 'PYPL', 'SHOP', 'SQ', 'PLTR', 'SNOW', 'ZM',
];
/** A stable made-up price per symbol, 20 to 520. */
export function basePrice(symbol) {
  let h = 7;
  for (const c of symbol) h = (h * 31 + c.charCodeAt(0)) % 100_000;
  return 20 + (h % 50_000) / 100;
}

/** Gives the fake a quote and a profile for each symbol. */
export async function setFakeSymbols(fake, symbols) {
  await Promise.all(symbols.map(async (symbol) => {
    const price = basePrice(symbol);
    const quote = await request(fake, 'POST', '/_fake/quotes', { json: { symbol, c: price, pc: Math.round(price * 99) / 100 } });
    const profile = await request(fake, 'POST', '/_fake/profiles', {
      json: { ticker: symbol, name: `${symbol} Corp`, country: 'US', currency: 'USD', exchange: 'NASDAQ', finnhubIndustry: 'Technology', logo: '', marketCapitalization: 1000, shareOutstanding: 10, ipo: '2000-01-03', weburl: 'https://www.example.com/' },
    });
    if (quote.status !== 204 || profile.status !== 204) throw new Error(`the fake refused ${symbol}: ${quote.status} ${profile.status}`);
  }));
}

/** Finnhub REST calls the fake received (Yahoo's chart calls are not Finnhub's). */
export async function finnhubCalls(fake) {
  const calls = await request(fake, 'GET', '/_fake/calls');
  if (!Array.isArray(calls.body)) throw new Error(`GET /_fake/calls: ${calls.status}`);
  return calls.body.filter((c) => c.endpoint !== 'chart');
}

/** The instance's role from /readyz (`leader`, `follower`, `standalone`), or why none. */
export async function roleOf(instance) {
  const ready = await request(instance.url, 'GET', '/readyz', { timeoutMs: 2000 });
  if (ready.status === 0) return `down (${ready.error})`;
  return ready.body?.role ?? `HTTP ${ready.status}`;
}

/** A date `days` ago, as YYYY-MM-DD (UTC). */
export function daysAgo(days) {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

/** A line saying what this machine is and what else keeps it busy. */
export function machineLine() {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the start`;
}
