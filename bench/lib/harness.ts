/**
 * What the HTTP benches share: servers as child processes on free loopback ports, autocannon
 * slices, the CPU time a server spent, and a bare Fastify baseline measured in the same run.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { canConnect, freePort } from '../../test/support/net.js';
import { loadRepoEnv } from '../../tools/cli.js';

export const root = resolve(import.meta.dirname, '../..');

// Every bench reads the repository's .env, as `npm start` does, before it reads any configuration.
loadRepoEnv();

interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  setupRequest?: (request: { path: string; body?: string }) => { path: string; body?: string };
}
interface CannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number } | undefined>;
}
/** The run: a promise of the result, and an emitter of every response (its own time in ms, fractional). */
type CannonRun = Promise<CannonResult> & {
  stop(): void;
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void,
  ): unknown;
};
type Cannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  /** Requests per second over all connections (open loop). */
  overallRate?: number;
  /** Seconds before a request counts as timed out. */
  timeout?: number;
  requests?: CannonRequest[];
}) => CannonRun;
// autocannon ships no types; this is the slice of its API used here.
export const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

export interface Target {
  readonly label: string;
  /** Arguments to node. */
  readonly command: readonly string[];
  readonly env: Record<string, string>;
  /** Answers 200 once the server can take load. */
  readonly readyPath: string;
}

export interface Server {
  readonly target: Target;
  readonly url: string;
  /** User + system CPU seconds the process has used so far (Linux /proc; 0 elsewhere). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export interface Slice {
  readonly requests: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
}

/** The options every HTTP load bench takes (node:util parseArgs), with their defaults. */
export const LOAD_OPTIONS = {
  duration: { type: 'string', default: '20' },
  rounds: { type: 'string', default: '4' },
  warmup: { type: 'string', default: '3' },
  connections: { type: 'string', default: '64' },
  'no-build': { type: 'boolean', default: false },
} as const;

export interface LoadArgs {
  /** Seconds of load per server, split over `rounds` interleaved slices. */
  readonly duration: number;
  readonly rounds: number;
  readonly warmup: number;
  readonly connections: number;
}

/** Checks the parsed LOAD_OPTIONS; a bad value throws naming the flag. */
export function loadArgs(values: { duration: string; rounds: string; warmup: string; connections: string }): LoadArgs {
  const duration = Number(values.duration);
  const rounds = Number(values.rounds);
  const warmup = Number(values.warmup);
  const connections = Number(values.connections);
  if (!(duration > 0 && duration <= 600 && connections > 0 && connections <= 1024 && warmup >= 0)) {
    throw new Error('--duration must be 1..600 s, --connections 1..1024, --warmup ≥ 0');
  }
  if (!(Number.isInteger(rounds) && rounds >= 1 && duration / rounds >= 1)) {
    throw new Error('--rounds must be an integer ≥ 1 with at least 1 s per slice');
  }
  return { duration, rounds, warmup, connections };
}

export const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

export { freePort };

/**
 * Makes sure a broker answers for an app under test: the one in KAFKA_BROKERS or on the local
 * broker's port (KAFKA_PORT, 9092), else the local one from tools/kafka, started on that port.
 * Returns what undoes it: stopping only a broker started here.
 */
export async function ensureKafka(): Promise<() => void> {
  const port = Number(process.env['KAFKA_PORT'] || 9092);
  if (process.env['KAFKA_BROKERS'] || (await canConnect('127.0.0.1', port))) return () => undefined;
  console.log(`no Kafka broker on 127.0.0.1:${port}: starting the local one`);
  execFileSync('bash', ['tools/kafka/kafka.sh', 'start'], { cwd: root, stdio: 'inherit' });
  return () => execFileSync('bash', ['tools/kafka/kafka.sh', 'stop'], { cwd: root, stdio: 'inherit' });
}

const children = new Set<ChildProcess>();

/** Kills every server still running (on an error or Ctrl-C). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

const CLOCK_TICKS = 100;

/** User + system CPU seconds process `pid` has used so far (Linux /proc; 0 elsewhere or if it is gone). */
export function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

export async function startServer(target: Target): Promise<Server> {
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
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${target.label} exited during start-up:\n${stderr}`);
    const ok = await fetch(url + target.readyPath).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${target.label} not ready within 90 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    target,
    url,
    cpuSeconds: () => cpuOf(child.pid),
    stop: async () => {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      children.delete(child);
    },
  };
}

export interface SliceOptions {
  /** Called for every request (random ids and the like). */
  readonly path: () => string;
  readonly seconds: number;
  readonly connections: number;
  /** Default GET. */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Called for every request: each one can carry its own body (unique ids). Default: no body. */
  readonly body?: () => string;
  /**
   * Answers with any other status are failures, and `requests` counts only the expected ones (what
   * was accepted). Default: any non-2xx is a failure, and `requests` counts every answer.
   */
  readonly expectStatus?: number;
  /**
   * p50/p99 from every answer's own time, to the microsecond, instead of autocannon's histogram,
   * which rounds down to whole milliseconds (a 0.4 ms answer counts as 0).
   */
  readonly exactLatency?: boolean;
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** One load slice against `server`. */
export async function slice(server: Server, options: SliceOptions): Promise<Slice> {
  const { path, body, expectStatus } = options;
  const cpuBefore = server.cpuSeconds();
  const run = autocannon({
    url: server.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    requests: [
      {
        method: options.method ?? 'GET',
        ...(options.headers ? { headers: { ...options.headers } } : {}),
        setupRequest: body
          ? (request) => ({ ...request, path: path(), body: body() })
          : (request) => ({ ...request, path: path() }),
      },
    ],
  });
  let times = new Float64Array(1 << 16);
  let count = 0;
  if (options.exactLatency) {
    run.on('response', (_client, statusCode, _bytes, ms) => {
      if (expectStatus === undefined ? statusCode < 200 || statusCode > 299 : statusCode !== expectStatus) return;
      if (count === times.length) {
        const grown = new Float64Array(times.length * 2);
        grown.set(times);
        times = grown;
      }
      times[count++] = ms;
    });
  }
  const r = await run;
  const cpuSeconds = server.cpuSeconds() - cpuBefore;
  const answered = Object.values(r.statusCodeStats).reduce((n, s) => n + (s?.count ?? 0), 0);
  const expected = expectStatus === undefined ? undefined : (r.statusCodeStats[String(expectStatus)]?.count ?? 0);
  const sorted = times.subarray(0, count).sort();
  return {
    requests: expected ?? r.requests.total,
    seconds: options.seconds,
    cpuSeconds,
    p50: options.exactLatency ? quantile(sorted, 0.5) : r.latency.p50,
    p99: options.exactLatency ? quantile(sorted, 0.99) : r.latency.p99,
    failures: r.errors + r.timeouts + (expected === undefined ? r.non2xx : answered - expected),
  };
}

export interface Summary {
  readonly label: string;
  readonly qps: number;
  readonly p50: number;
  readonly p99: number;
  /** Median over rounds of this server's requests / the baseline's in the same round. */
  readonly qpsRatio: number;
  /** Median over rounds of the baseline's p99 / this server's (higher is better, 1 = as fast). */
  readonly p99Ratio: number;
  /** Requests per CPU second, relative to the baseline's: robust to other load on the machine. */
  readonly cpuEfficiency: number;
  readonly failures: number;
}

export function summarise(label: string, slices: readonly Slice[], baseline: readonly Slice[]): Summary {
  const total = (xs: readonly Slice[], f: (s: Slice) => number) => xs.reduce((n, s) => n + f(s), 0);
  const perCpu = (xs: readonly Slice[]) =>
    total(xs, (s) => s.requests) /
    Math.max(
      total(xs, (s) => s.cpuSeconds),
      1e-9,
    );
  return {
    label,
    qps: total(slices, (s) => s.requests) / total(slices, (s) => s.seconds),
    p50: median(slices.map((s) => s.p50)),
    p99: median(slices.map((s) => s.p99)),
    qpsRatio: median(slices.map((s, i) => s.requests / (baseline[i]?.requests ?? NaN))),
    p99Ratio: median(slices.map((s, i) => (baseline[i]?.p99 ?? NaN) / Math.max(s.p99, 1))),
    cpuEfficiency: perCpu(slices) / perCpu(baseline),
    failures: total(slices, (s) => s.failures),
  };
}

export function markdownTable(rows: readonly Summary[], baseline = 'bare'): string {
  const lines = [
    `| server | req/s | p50 (ms) | p99 (ms) | req/s ratio to ${baseline} | p99 ratio (${baseline} / server) | req per CPU-s ratio | failures |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${r.qps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.qpsRatio.toFixed(2)} | ${r.p99Ratio.toFixed(2)} | ` +
        `${r.cpuEfficiency.toFixed(2)} | ${r.failures} |`,
    );
  }
  return lines.join('\n');
}
