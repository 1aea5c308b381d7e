/**
 * npm run bench:predict: QPS and p50/p99 of GET /predict/ in the monolith, with micro-batching on
 * and off, against a bare Fastify route returning constant JSON, all in one run on loopback.
 *
 *   npm run bench:predict -- [--duration 20] [--rounds 4] [--connections 64]
 *                            [--app monolith|prediction] [--sweep] [--no-build]
 *
 * Each server gets `duration` seconds in all, measured in `rounds` interleaved slices (bare, on,
 * off, bare, on, off, …): on a shared 2-core machine the speed drifts by a factor of two within a
 * minute, and only servers measured side by side in time can be compared. QPS is the total over
 * all slices; p50, p99 and the ratio to bare are the medians of the per-round values.
 *
 * --sweep also runs a grid of PREDICTION_MAX_BATCH × PREDICTION_MAX_WAIT_MS (how the defaults were
 * chosen) on the prediction app alone: a dozen monoliths would keep rebalancing their consumer groups. Servers run as child processes on free loopback ports and are stopped at the end; a
 * local Kafka broker is started only if the monolith needs one and none answers, and then stopped.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPredictionEnv } from '@nurt/prediction';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Cannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
}) => Promise<CannonResult>;
// autocannon ships no types; this is the slice of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const root = resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '4' },
    app: { type: 'string', default: 'monolith' },
    sweep: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const warmup = Number(args.warmup);
const rounds = Number(args.rounds);
if (!(duration > 0 && duration <= 600 && connections > 0 && connections <= 1024 && warmup >= 0)) {
  throw new Error('--duration must be 1..600 s, --connections 1..1024, --warmup ≥ 0');
}
if (!(Number.isInteger(rounds) && rounds >= 1 && duration / rounds >= 1)) {
  throw new Error('--rounds must be an integer ≥ 1 with at least 1 s per slice');
}
if (args.app !== 'monolith' && args.app !== 'prediction') throw new Error('--app must be monolith or prediction');
const QUERY = '/predict/?area=65&bedrooms=3&building_age=10';
const defaults = loadPredictionEnv({});

interface Target {
  readonly label: string;
  readonly command: readonly string[];
  readonly env: Record<string, string>;
  readonly readyPath: string;
}

interface Slice {
  /** CPU time the server used during the slice: unlike QPS, barely moved by other load on the machine. */
  readonly cpuSeconds: number;
  readonly requests: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

const children = new Set<ChildProcess>();

/** CPU seconds (user + system) the process has used, from /proc; undefined where there is no /proc. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = 100;

interface Server {
  readonly url: string;
  readonly cpu: () => number | undefined;
  readonly stop: () => Promise<void>;
}

async function startServer(target: Target): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, target.command, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...target.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${target.label} exited during start-up:\n${stderr}`);
    const ok = await fetch(url + target.readyPath).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${target.label} not ready within 60 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    cpu: () => cpuSeconds(child.pid),
    stop: async () => {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      children.delete(child);
    },
  };
}

async function slice(server: Server, seconds: number): Promise<Slice> {
  const cpuBefore = server.cpu();
  const r = await autocannon({ url: server.url + QUERY, connections, duration: seconds, pipelining: 1 });
  const cpuAfter = server.cpu();
  return {
    cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : cpuAfter - cpuBefore,
    requests: r.requests.total,
    seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    failures: r.errors + r.timeouts + r.non2xx,
  };
}

/** Mean rows per model call and mean model-call time, from the app's own Prometheus metrics. */
async function batchStats(url: string): Promise<{ meanBatch: number; meanCallMicros: number } | undefined> {
  const text = await fetch(`${url}/metrics`).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
  const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
  const calls = value('prediction_batch_size_count');
  if (!(calls > 0)) return undefined;
  return {
    meanBatch: value('prediction_batch_size_sum') / calls,
    meanCallMicros:
      (1e6 * value('prediction_model_call_duration_seconds_sum')) /
      value('prediction_model_call_duration_seconds_count'),
  };
}

function appTarget(label: string, env: Record<string, string>, app = args.app): Target {
  return {
    label,
    command: [`dist/apps/${app}/main.js`],
    // Each monolith gets an in-memory PGlite: two processes cannot share one PGlite folder.
    env: { PGLITE_DIR: 'memory', ...env, PREDICTION_BACKEND: process.env['PREDICTION_BACKEND'] ?? 'auto' },
    readyPath: '/health/ready',
  };
}

async function ensureKafka(): Promise<() => void> {
  if (args.app !== 'monolith' || process.env['KAFKA_BROKERS']) return () => undefined;
  if (await canConnect('127.0.0.1', 9092)) return () => undefined;
  console.log('no Kafka broker on 127.0.0.1:9092: starting the local one for the monolith');
  execFileSync('bash', ['tools/kafka/kafka.sh', 'start'], { cwd: root, stdio: 'inherit' });
  return () => execFileSync('bash', ['tools/kafka/kafka.sh', 'stop'], { cwd: root, stdio: 'inherit' });
}

async function main(): Promise<void> {
  if (!args['no-build']) execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
  const stopKafka = await ensureKafka();
  const cleanUp = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('SIGINT', () => {
    cleanUp();
    stopKafka();
    process.exit(130);
  });
  try {
    const targets: Target[] = [
      {
        label: 'bare Fastify, constant JSON',
        command: ['bench/predict/bare-server.mjs'],
        env: {},
        readyPath: '/predict/',
      },
      appTarget(
        `${args.app}, batching on (defaults: max batch ${defaults.PREDICTION_MAX_BATCH}, max wait ${defaults.PREDICTION_MAX_WAIT_MS} ms)`,
        {},
      ),
      appTarget(`${args.app}, batching off`, { PREDICTION_MAX_BATCH: '1' }),
    ];
    if (args.sweep) {
      for (const maxBatch of ['16', '64', '256']) {
        for (const maxWait of ['0', '1', '2']) {
          if (
            Number(maxBatch) === defaults.PREDICTION_MAX_BATCH &&
            Number(maxWait) === defaults.PREDICTION_MAX_WAIT_MS
          ) {
            continue;
          }
          targets.push(
            appTarget(
              `prediction, max batch ${maxBatch}, max wait ${maxWait} ms`,
              { PREDICTION_MAX_BATCH: maxBatch, PREDICTION_MAX_WAIT_MS: maxWait },
              'prediction',
            ),
          );
        }
      }
    }
    const servers: (Server & { target: Target; slices: Slice[] })[] = [];
    for (const target of targets) servers.push({ target, ...(await startServer(target)), slices: [] });
    console.log(
      `GET ${QUERY}: ${connections} connections, ${duration} s per server in ${rounds} interleaved rounds` +
        ` (after ${warmup} s warm-up each); load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    for (const s of servers) if (warmup > 0) await slice(s, warmup);
    for (let round = 1; round <= rounds; round++) {
      for (const s of servers) {
        const result = await slice(s, duration / rounds);
        s.slices.push(result);
        console.log(
          `  round ${round} ${s.target.label.padEnd(64)} ${(result.requests / result.seconds).toFixed(0).padStart(6)} req/s` +
            `  p50 ${result.p50} ms  p99 ${result.p99} ms  ${((1e6 * result.cpuSeconds) / result.requests).toFixed(0)} µs CPU/req` +
            (result.failures ? `  FAILURES ${result.failures}` : ''),
        );
      }
    }
    const batching = await Promise.all(servers.map((s) => batchStats(s.url)));
    await Promise.all(servers.map((s) => s.stop()));
    const bare = servers[0].slices;
    console.log(
      `\nload average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      '\n| server | QPS | p50 (ms) | p99 (ms) | QPS ratio to bare | server CPU per request (µs) | mean batch | mean model call (µs) | failures |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [i, s] of servers.entries()) {
      const b = batching[i];
      const qps = s.slices.reduce((n, x) => n + x.requests, 0) / s.slices.reduce((n, x) => n + x.seconds, 0);
      const ratio = median(s.slices.map((x, i) => x.requests / bare[i].requests));
      const failures = s.slices.reduce((n, x) => n + x.failures, 0);
      const cpu = (1e6 * s.slices.reduce((n, x) => n + x.cpuSeconds, 0)) / s.slices.reduce((n, x) => n + x.requests, 0);
      console.log(
        `| ${s.target.label} | ${qps.toFixed(0)} | ${median(s.slices.map((x) => x.p50))} | ` +
          `${median(s.slices.map((x) => x.p99))} | ${ratio.toFixed(2)} | ${cpu.toFixed(0)} | ` +
          `${b ? b.meanBatch.toFixed(1) : '–'} | ${b ? b.meanCallMicros.toFixed(0) : '–'} | ${failures} |`,
      );
    }
  } finally {
    cleanUp();
    stopKafka();
  }
}

await main();
