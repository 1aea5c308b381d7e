/**
 * npm run bench:ingest: single POST /transactions (one transaction a request, a new id every time)
 * in the built transactions service, which answers 202 only once the broker acknowledged the record
 * (acks=all), against bare Fastify answering the same POST with a constant 202 of the same shape.
 * Measured side by side in one run on loopback, at `--connections` (default 64) and at 1 connection.
 *
 *   npm run bench:ingest -- [--duration 20] [--rounds 4] [--warmup 3] [--connections 64] [--no-build]
 *                           [--only many|one] [--profile <dir>] [--dist <dir>] [--compare <dir>]…
 *
 * Every (server, connections) pair gets `duration` seconds in `rounds` interleaved slices (bare at
 * N, service at N, bare at 1, service at 1, bare at N, …), so all of them are measured side by side
 * in time on a shared machine. Ratios are to bare Fastify at the same number of connections,
 * medians of the per-round ratios. p50/p99 are exact (every answer's own time), not autocannon's
 * whole-millisecond histogram. Only 202s count as accepted; anything else is a failure. The CPU
 * columns are each process's own (from /proc) per accepted request: the service's, and the
 * broker's when it runs on this machine.
 *
 * `--only many` / `--only one` measures only at `--connections` / at 1 connection. `--profile <dir>`
 * runs the service under `node --cpu-prof` (which slows it: for finding where the time goes, not
 * for the numbers) and prints its top self-time functions at the end.
 *
 * `--dist <dir>` measures that build of the apps instead of the repository's dist/ (implies
 * --no-build; the folder's parent needs node_modules and a package.json saying ESM, as a copy of
 * the repository has). `--compare <dir>` (repeatable) adds another build of the service, measured
 * in the same interleaved rounds: an A/B of a change, side by side in time.
 *
 * Needs one broker: KAFKA_BROKERS, or one on 127.0.0.1:9092, else the local one is started (and
 * stopped again). The records really land on the `transactions` topic, keyed by 48 store names
 * that spread over its 6 partitions.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { STORES } from '@nurt/contracts';
import {
  cpuOf,
  ensureKafka,
  killAll,
  LOAD_OPTIONS,
  loadArgs,
  median,
  root,
  slice as loadSlice,
  startServer,
  type Server,
  type Slice,
} from '../lib/harness.js';
import { formatSummary, readProfile } from '../lib/cpuprofile-top.js';

const { values: args } = parseArgs({
  options: {
    ...LOAD_OPTIONS,
    only: { type: 'string' },
    profile: { type: 'string' },
    dist: { type: 'string' },
    compare: { type: 'string', multiple: true },
  },
});
const { duration, rounds, warmup, connections } = loadArgs(args);
if (args.only !== undefined && args.only !== 'many' && args.only !== 'one')
  throw new Error('--only must be many or one');
const profileDir = args.profile === undefined ? undefined : resolve(args.profile);
/** The builds of the service to measure: the repository's dist/ (or --dist), then every --compare. */
const builds: { label: string; dir: string }[] = [
  {
    label: args.dist === undefined ? 'transactions service' : `transactions service (${args.dist})`,
    dir: resolve(args.dist ?? join(root, 'dist')),
  },
  ...(args.compare ?? []).map((dir) => ({ label: `transactions service (${dir})`, dir: resolve(dir) })),
];

/** 48 keys: each city's stores 1–4 (the 12 city names alone hash to only 5 of the 6 partitions). */
const STORE_KEYS = STORES.flatMap(({ store }) => [1, 2, 3, 4].map((n) => `${store}-${n}`));
const run = `BI${Date.now().toString(36)}`;
let sequence = 0;
/** A new transaction every call: unique id, store and amount varied. */
function nextBody(): string {
  const n = ++sequence;
  const store = STORE_KEYS[n % STORE_KEYS.length] ?? 'Warsaw';
  const amount = ((n * 7919) % 100_000) / 100 + 1;
  return `{"id":"${run}-${n}","amount":${amount.toFixed(2)},"store":"${store}","type":"purchase"}`;
}
const ACCEPTED_EXAMPLE = { id: 'TX5001', topic: 'transactions', partition: 3, offset: '1250' };

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The process listening on 127.0.0.1:`port` on this machine (its CPU is read from /proc), if any. */
function listenerPid(port: number): number | undefined {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address, st (0A = LISTEN), inode
      if (f[1]?.endsWith(hexPort) && f[3] === '0A' && f[9]) inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

type Measured = Slice & { readonly brokerCpuSeconds: number };

interface Row {
  readonly server: Server;
  readonly label: string;
  readonly connections: number;
  /** The bare row at the same number of connections. */
  readonly baseline: () => Row;
  readonly slices: Measured[];
}

const sum = (xs: readonly Measured[], f: (s: Measured) => number): number => xs.reduce((n, s) => n + f(s), 0);

/** Accepted/s over all slices; p50, p99 and the ratios to bare as medians of the per-round values. */
function summary(r: Row) {
  const base = r.baseline().slices;
  const requests = sum(r.slices, (s) => s.requests);
  return {
    qps: requests / sum(r.slices, (s) => s.seconds),
    p50: median(r.slices.map((s) => s.p50)),
    p99: median(r.slices.map((s) => s.p99)),
    qpsRatio: median(r.slices.map((s, i) => s.requests / (base[i]?.requests ?? NaN))),
    p99Ratio: median(r.slices.map((s, i) => (base[i]?.p99 ?? NaN) / s.p99)),
    cpu: (sum(r.slices, (s) => s.cpuSeconds) / Math.max(requests, 1)) * 1e6,
    broker: (sum(r.slices, (s) => s.brokerCpuSeconds) / Math.max(requests, 1)) * 1e6,
    failures: sum(r.slices, (s) => s.failures),
  };
}

async function main(): Promise<void> {
  if (!args['no-build'] && args.dist === undefined)
    execFileSync('node', ['tools/build-if-stale.mjs', 'transactions'], { cwd: root, stdio: 'inherit' });
  const stopKafka = await ensureKafka();
  process.once('SIGINT', () => {
    killAll();
    stopKafka();
    process.exit(130);
  });
  try {
    const brokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
    const brokerPid = /^(127\.0\.0\.1|localhost):9092$/.test(brokers) ? listenerPid(9092) : undefined;
    const bare = await startServer({
      label: 'bare Fastify, constant 202',
      command: ['bench/lib/bare-server.mjs'],
      env: {
        BENCH_METHOD: 'POST',
        BENCH_ROUTE: '/transactions',
        BENCH_STATUS: '202',
        BENCH_BODY: JSON.stringify(ACCEPTED_EXAMPLE),
      },
      readyPath: '/health/ready',
    });
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const services: Server[] = [];
    for (const build of builds) {
      services.push(
        await startServer({
          label: build.label,
          command: [
            ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
            join(build.dir, 'apps/transactions/main.js'),
          ],
          env: { KAFKA_CLIENT_ID: 'bench-ingest' },
          readyPath: '/health/ready',
        }),
      );
    }
    const rows: Row[] = [];
    const counts = args.only === 'one' ? [1] : args.only === 'many' ? [connections] : [connections, 1];
    for (const n of counts) {
      const bareRow: Row = {
        server: bare,
        label: bare.target.label,
        connections: n,
        baseline: () => bareRow,
        slices: [],
      };
      rows.push(bareRow);
      for (const server of services) {
        rows.push({ server, label: server.target.label, connections: n, baseline: () => bareRow, slices: [] });
      }
    }

    const measure = async (r: Row, seconds: number): Promise<Measured> => {
      const brokerBefore = cpuOf(brokerPid);
      const s = await loadSlice(r.server, {
        method: 'POST',
        path: () => '/transactions',
        headers: { 'content-type': 'application/json' },
        body: nextBody,
        seconds,
        connections: r.connections,
        expectStatus: 202,
        exactLatency: true,
      });
      return { ...s, brokerCpuSeconds: cpuOf(brokerPid) - brokerBefore };
    };
    console.log(
      `POST /transactions (one new transaction a request): ${counts.join(' and ')} connection(s), ${duration} s per server and` +
        ` connection count in ${rounds} interleaved rounds (after ${warmup} s warm-up each); broker ${brokers}` +
        `${brokerPid ? ` (pid ${brokerPid})` : ''}; load average ${load()}`,
    );
    for (const r of rows) if (warmup > 0) await measure(r, warmup);
    for (let round = 1; round <= rounds; round++) {
      for (const r of rows) {
        const s = await measure(r, duration / rounds);
        r.slices.push(s);
        const perReq = (cpu: number) => ((cpu / Math.max(s.requests, 1)) * 1e6).toFixed(0);
        console.log(
          `  round ${round} ${r.label.padEnd(28)} ${String(r.connections).padStart(3)} conn ${(s.requests / s.seconds).toFixed(0).padStart(7)} accepted/s` +
            `  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  cpu ${perReq(s.cpuSeconds)} µs/req` +
            `${brokerPid ? `  broker ${perReq(s.brokerCpuSeconds)} µs/req` : ''}` +
            `${s.failures ? `  FAILURES ${s.failures}` : ''}  (load ${load()})`,
        );
      }
    }
    for (const server of services) await server.stop();
    await bare.stop();

    console.log(`\nload average after: ${load()}\n`);
    const lines = [
      '| server | connections | accepted/s | p50 (ms) | p99 (ms) | req/s ratio to bare | p99 ratio (bare / server) | server CPU per request (µs) | broker CPU per request (µs) | failures |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ];
    for (const r of rows) {
      const m = summary(r);
      lines.push(
        `| ${r.label} | ${r.connections} | ${m.qps.toFixed(0)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ` +
          `${m.qpsRatio.toFixed(2)} | ${m.p99Ratio.toFixed(2)} | ${m.cpu.toFixed(0)} | ${brokerPid ? m.broker.toFixed(0) : '–'} | ${m.failures} |`,
      );
    }
    console.log(lines.join('\n'));
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    for (const server of services) {
      const at = (n: number) => {
        const r = rows.find((x) => x.server === server && x.connections === n);
        return r && summary(r);
      };
      const many = connections === 1 ? undefined : at(connections);
      const one = at(1);
      console.log(
        `\ntargets, ${server.target.label}:` +
          (many
            ? ` ${connections} connections ≥ 10,000 accepted/s: ${verdict(many.qps >= 10_000)} (${many.qps.toFixed(0)});` +
              ` p99 ≤ 25 ms: ${verdict(many.p99 <= 25)} (${many.p99.toFixed(3)} ms);`
            : '') +
          (one ? ` 1 connection p50 < 1 ms: ${verdict(one.p50 < 1)} (${one.p50.toFixed(3)} ms)` : ''),
      );
    }
    if (profileDir) {
      const profiles = readdirSync(profileDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(profileDir, f))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
        .slice(0, services.length);
      for (const file of profiles) console.log(`\nCPU profile ${file}:\n\n${formatSummary(readProfile(file))}`);
      if (profiles.length === 0) console.log(`\nno .cpuprofile in ${profileDir}`);
    }
  } finally {
    killAll();
    stopKafka();
  }
}

await main();
