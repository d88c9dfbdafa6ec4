#!/usr/bin/env node
// The several-instances benchmark (#15), for `make bench` (scripts/bench.sh):
// writes bench-results/cluster.txt.
//   - GET /api/dashboard/overview throughput and p50/p99 latency (wrk, N connections,
//     the tokens of many people in turn, warm) on one instance directly, through
//     HAProxy with 1 instance, and through HAProxy with 3 on one PostgreSQL;
//   - Finnhub REST calls counted at the fake in the 80 s after setup (the load, then
//     quiet until the quotes have been refreshed once);
//   - leader fail-over: kill -9 the leader, time until a survivor's /readyz says
//     `leader` (twice: 3 -> 2 -> 1 instances).
// Each cluster is started by scripts/cluster.sh (its own database, dropped after).
//   node scripts/bench-cluster.mjs [OUT]
// FOLIO_BIN (default target/release/folio), FAKE_FINNHUB_BIN, BENCH_CLUSTER_SECONDS
// (20), BENCH_CLUSTER_CONNECTIONS (16), BENCH_CLUSTER_PEOPLE (32).

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SYMBOLS, basePrice, daysAgo, finnhubCalls, machineLine, maxInWindow, now, request, roleOf, root,
  setFakeSymbols, sleep, startCluster, stopAll,
} from './lib/cluster.mjs';

const out = process.argv[2] ?? path.join(root, 'bench-results/cluster.txt');
const SECONDS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CLUSTER_CONNECTIONS ?? 16);
const PEOPLE = Number(process.env.BENCH_CLUSTER_PEOPLE ?? 32);
const STEADY_MS = 80_000;
const HELD = SYMBOLS.slice(0, 24); // 24 symbols + the benchmark: setup fits one minute's budget
process.env.FOLIO_BIN ??= 'target/release/folio';

const lines = [];
const say = (line) => { console.log(line); lines.push(line); };

function sh(command) {
  try { return execFileSync('sh', ['-c', command], { encoding: 'utf8' }).trim(); } catch { return ''; }
}

/** Signs PEOPLE people up, each with a deposit and 3 buys; returns their tokens. */
async function people(base) {
  const tokens = [];
  for (let i = 0; i < PEOPLE; i++) {
    const signup = await request(base, 'POST', '/api/auth/signup', { json: { username: `bench_${i}`, password: 'bench cluster pw' } });
    if (signup.status !== 201) throw new Error(`sign-up: ${signup.status}`);
    const token = signup.body.access_token;
    await request(base, 'POST', '/api/activities', { token, json: { kind: 'deposit', date: daysAgo(40), amount: '100000' } });
    for (let k = 0; k < 3; k++) {
      const symbol = HELD[(i * 3 + k) % HELD.length];
      for (let attempt = 0; attempt < 20; attempt++) {
        const buy = await request(base, 'POST', '/api/activities', { token, json: { kind: 'buy', date: daysAgo(30), symbol, quantity: '10', price: (basePrice(symbol) * 0.9).toFixed(2) } });
        if (buy.ok) break;
        if (buy.status !== 503) throw new Error(`buy ${symbol}: ${buy.status}`);
        await sleep(Number(buy.headers.get('retry-after') ?? 2) * 1000);
      }
    }
    tokens.push(token);
  }
  return tokens;
}

/** wrk on the overview, the people's tokens in turn: {rps, p50, p99, errors}. */
async function load(base, tokens) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'folio-bench-cluster-'));
  const script = path.join(dir, 'tokens.lua');
  writeFileSync(script, `local tokens = {${tokens.map((t) => `"${t}"`).join(',')}}
local i = math.random(#tokens)
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", "/api/dashboard/overview", { ["Authorization"] = "Bearer " .. tokens[i] })
end
`);
  const text = await new Promise((resolve, reject) => {
    const wrk = spawn('wrk', [`-t${CONNECTIONS > 1 ? 2 : 1}`, `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-s', script, base], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    wrk.stdout.on('data', (d) => { output += d; });
    wrk.on('error', reject);
    wrk.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`wrk exited ${code}`))));
  });
  rmSync(dir, { recursive: true, force: true });
  const ms = (label) => {
    const m = text.match(new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm'));
    const value = Number(m[1]);
    return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
  };
  const errors = Number(text.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0)
    + (text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  return { rps: Number(text.match(/Requests\/sec:\s+([\d.]+)/)[1]), p50: ms(50), p99: ms(99), errors };
}

function row(name, r) {
  say(`${name.padEnd(40)} ${r.rps.toFixed(0).padStart(10)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(9)} ${String(r.errors).padStart(8)}`);
}

/** Processes that used more than 5 % of a core over one second (this one left out). */
async function busyProcesses() {
  const sample = () => {
    const ticks = new Map();
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks.set(pid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(fields[11]) + Number(fields[12]) });
      } catch { /* gone */ }
    }
    return ticks;
  };
  const before = sample();
  await sleep(1000);
  const busy = [];
  for (const [pid, p] of sample()) {
    const cpu = before.has(pid) ? p.ticks - before.get(pid).ticks : 0; // USER_HZ = 100: ticks in 1 s = % of a core
    if (cpu > 5) busy.push({ name: p.name, cpu });
  }
  return busy.sort((a, b) => b.cpu - a.cpu).map((p) => `${p.name} ${p.cpu} %`).join(', ');
}

/** Finnhub calls at the fake after setup (during and after the load). */
function upstreamLine(label, calls) {
  const perEndpoint = {};
  for (const c of calls) perEndpoint[c.endpoint] = (perEndpoint[c.endpoint] ?? 0) + 1;
  const times = calls.map((c) => c.at_ms);
  return `${label.padEnd(12)} ${String(calls.length).padStart(4)} calls in ${STEADY_MS / 1000} s ${JSON.stringify(perEndpoint)}; busiest rolling minute ${maxInWindow(times, 60_000)}, busiest second ${maxInWindow(times, 1000)}`;
}

async function leaderOf(instances) {
  const roles = await Promise.all(instances.map(roleOf));
  return { leader: instances.find((_, k) => roles[k] === 'leader'), roles: instances.map((i, k) => `${i.n}:${roles[k]}`).join(' ') };
}

async function failover(cluster) {
  const results = [];
  let alive = [...cluster.instances];
  for (let round = 0; round < 2; round++) {
    const { leader, roles } = await leaderOf(alive);
    if (!leader) { results.push(`no leader among ${roles}`); break; }
    const at = now();
    process.kill(leader.pid, 'SIGKILL');
    alive = alive.filter((i) => i !== leader);
    let found = null;
    while (!found && now() - at < 30_000) {
      found = (await leaderOf(alive)).leader;
      if (!found) await sleep(50);
    }
    results.push(found ? `${((now() - at) / 1000).toFixed(2)} s (${alive.length + 1} -> ${alive.length} instances)` : `none within 30 s (${alive.length + 1} -> ${alive.length})`);
    await sleep(3000);
  }
  return results;
}

async function main() {
  const busiest = await busyProcesses();
  const postgres = sh('psql postgres://postgres@127.0.0.1:5432/postgres -Atc "show server_version"').split(' ')[0];
  const haproxy = sh('haproxy -v | head -n 1').split(' ').slice(0, 3).join(' ');
  say(`# Folio several instances (#15) — ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, ${process.env.FOLIO_BIN}, ${haproxy}, PostgreSQL ${postgres}, fake Finnhub`);
  say(`# machine: ${machineLine()}; busy before the run (CPU over 1 s): ${busiest || 'nothing above 5 % of a core'}`);
  say(`# the server, HAProxy, PostgreSQL, the fake and wrk share these cores`);
  say(`# GET /api/dashboard/overview, ${PEOPLE} people (3 holdings each over ${HELD.length} symbols) in turn, warm, wrk ${CONNECTIONS} connections, ${SECONDS} s each`);
  say(`${'setup'.padEnd(40)} ${'requests/s'.padStart(10)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'non-2xx'.padStart(8)}`);
  const settings = ['FOLIO_AUTH_ATTEMPTS_PER_ADDRESS=100000', 'FOLIO_BCRYPT_COST=4', 'RUST_LOG=warn'];
  const upstreamLines = [];
  let failoverLines = [];
  let single = null;
  let viaLb = null;
  for (const instances of [1, 3]) {
    const cluster = await startCluster({ instances, settings });
    try {
      await setFakeSymbols(cluster.fake, SYMBOLS);
      const tokens = await people(cluster.lb);
      for (const token of tokens) {
        await request(cluster.lb, 'GET', '/api/dashboard/overview', { token });
        await request(cluster.lb, 'GET', '/api/dashboard/overview', { token });
      }
      // Upstream calls are counted from now: the load, then quiet until STEADY_MS have
      // passed (quotes are fresh for FOLIO_QUOTE_TTL, 60 s, then refreshed).
      await request(cluster.fake, 'DELETE', '/_fake/calls');
      const minuteStart = now();
      if (instances === 1) {
        single = await load(cluster.instances[0].url, tokens);
        row('1 instance, directly (no HAProxy)', single);
      }
      const result = await load(cluster.lb, tokens);
      row(`${instances} instance${instances > 1 ? 's' : ''}, through HAProxy`, result);
      if (instances === 1) viaLb = result;
      await sleep(minuteStart + STEADY_MS - now());
      upstreamLines.push(upstreamLine(`${instances} instance${instances > 1 ? 's' : ''}`, await finnhubCalls(cluster.fake)));
      if (instances === 3) failoverLines = await failover(cluster);
    } finally {
      await cluster.stop();
    }
  }
  if (single && viaLb) {
    say(`HAProxy's cost (1 instance): ${(100 * (1 - viaLb.rps / single.rps)).toFixed(1)} % of the requests/s, +${(viaLb.p50 - single.p50).toFixed(2)} ms at p50`);
  }
  say(`# Finnhub REST calls counted at the fake in the ${STEADY_MS / 1000} s after setup (the load above, then quiet; the quotes come due for a refresh after 60 s; limits: 60 in any minute, 30 in any second)`);
  for (const line of upstreamLines) say(line);
  say(`# leader fail-over: kill -9 the leader, until a survivor's /readyz says leader (polled every 50 ms)`);
  for (const line of failoverLines) say(`fail-over ${line}`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${lines.join('\n')}\n`);
}

main().then(() => process.exit(0), async (err) => {
  console.error(`bench-cluster: ${err.stack ?? err}`);
  await stopAll();
  process.exit(1);
});
