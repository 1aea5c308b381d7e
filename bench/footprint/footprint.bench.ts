/**
 * npm run bench:footprint: memory (RSS) and start-up time of the monolith against the split
 * services, measured in the same run and printed as ratios split / monolith.
 *
 *   npm run bench:footprint -- [--rounds 3] [--settle 2] [--predictions 300] [--no-build] [--dist <dir>]
 *
 * Targets are the built apps (`node dist/apps/<app>/main.js`): the monolith (every module in one
 * process) and the split services customers, prediction, transactions, fraud, reporting and
 * recommendation, each its own process, plus the gateway (the split deployment's HTTP entry
 * point) when apps/gateway exists; split totals are shown with and without it. Every round:
 *
 *   1. the monolith alone: spawn → first 200 on /health/ready, memory after `settle` seconds,
 *      a small workload through its public API, memory again;
 *   2. each split process alone, one after the other (no two share the cores): spawn → ready;
 *   3. all split processes at once, as a rollout on one machine would: time until the last is
 *      ready, memory of each after `settle`, the same workload (through the gateway if there is
 *      one), memory again.
 *
 * Memory is read from /proc/<pid>/status (VmRSS now, VmHWM peak, RssAnon private) and
 * /proc/<pid>/smaps_rollup (Pss: shared pages divided among the processes that map them, the
 * fair way to add up processes running the same node binary). Figures are medians over rounds;
 * ratios are medians of the per-round ratios.
 *
 * Every app gets a free loopback port, LOG_LEVEL=warn, an in-memory PGlite (PGLITE_DIR=memory,
 * DATABASE_URL unset; `--database-url postgres://…` gives every app that PostgreSQL instead) and a consumer-group suffix unique to this run and launch, positioned at the
 * end of the topics beforehand (a fresh group would otherwise read the shared topics' history and
 * the bench would measure that); the groups are deleted at the end. Kafka: KAFKA_BROKERS, or the
 * broker on 127.0.0.1:9092, else the local one is started (and then stopped). Only processes
 * started here are stopped.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SERVICES, STORES, type ServiceName } from '@nurt/contracts';
import { groupsOf as groupsOfServices } from '@nurt/runtime';
import { loadServices } from '../../apps/services/index.js';
import { plainKafka, startGroupAtEnd } from '../../test/support/kafka.js';
import { readyAfter } from '../../test/support/process.js';
import { ensureKafka, freePort, root } from '../lib/harness.js';
import {
  compare,
  comparisonHeader,
  comparisonRow,
  format,
  markdownTable,
  MEMORY_FIELDS,
  medianOf,
  parseMemory,
  promValue,
  textTable,
  type Combine,
  type Memory,
  type RoundValues,
  type Table,
} from './footprint.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    settle: { type: 'string', default: '2' },
    predictions: { type: 'string', default: '300' },
    'no-build': { type: 'boolean', default: false },
    /** Measure this build instead of the repository's dist/ (e.g. one of a clean checkout); implies --no-build. */
    dist: { type: 'string' },
    /** PostgreSQL for every app instead of an in-memory PGlite each (as in docker/ and deploy/k8s). */
    'database-url': { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const settleMs = Number(args.settle) * 1000;
const predictions = Number(args.predictions);
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 50)) throw new Error('--rounds must be 1..50');
if (!(settleMs >= 0 && settleMs <= 60_000)) throw new Error('--settle must be 0..60 s');
if (!(Number.isInteger(predictions) && predictions >= 1 && predictions <= 100_000)) {
  throw new Error('--predictions must be 1..100000');
}

type Service = ServiceName;
const GATEWAY = existsSync(join(root, 'apps/gateway/main.ts')) ? 'gateway' : undefined;
const SPLIT: readonly string[] = [...SERVICES, ...(GATEWAY ? [GATEWAY] : [])];

/** The consumer groups each app runs and the topics they read, from the service definitions; the monolith runs all. */
const DEFINITIONS = await loadServices(SERVICES);
const groupsOf = (app: string): { group: string; topics: string[] }[] =>
  groupsOfServices(DEFINITIONS.filter((d) => app === 'monolith' || d.name === app)).map((g) => ({
    group: g.group,
    topics: g.contracts.map((c) => c.topic),
  }));

const brokers = process.env['KAFKA_BROKERS'] || '127.0.0.1:9092';
const runTag = `footprint-${Date.now().toString(36)}`;
const createdGroups = new Set<string>();

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Where the measured build lives (see snapshotDist). */
const snapshot = { dir: '', dist: join(root, 'dist') };

/**
 * Copies dist/ to a private folder for the run: other sessions rebuild dist/ (`nest build` deletes
 * it first) while they work, and an app spawned mid-build would not find its files. The copy gets
 * a package.json saying ESM and a link to the repository's node_modules; apps still run with the
 * repository as their working directory (models/, MODEL_DIR).
 */
async function snapshotDist(apps: readonly string[]): Promise<void> {
  const source = args.dist === undefined ? join(root, 'dist') : resolve(args.dist);
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'nurt-footprint-'));
    try {
      cpSync(source, join(dir, 'dist'), { recursive: true });
    } catch {
      // dist/ changed under the copy (a build in progress): try again below.
    }
    if (apps.every((app) => existsSync(join(dir, 'dist/apps', app, 'main.js')))) {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
      Object.assign(snapshot, { dir, dist: join(dir, 'dist') });
      return;
    }
    rmSync(dir, { recursive: true, force: true });
    if (attempt >= 30) throw new Error(`${source} does not hold every app (${apps.join(', ')}); build it first`);
    console.log(`${source} is incomplete (a build in progress?): waiting 10 s`);
    await sleep(10_000);
  }
}

interface Proc {
  readonly app: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** performance.now() just before spawn. */
  readonly spawnedAt: number;
  output(): string;
  memory(): Memory;
  stop(): Promise<void>;
}

const running = new Set<Proc>();

/** Position this launch's groups at the end of their topics, so they start with nothing to catch up on. */
async function prepareGroups(apps: readonly string[], suffix: string): Promise<void> {
  for (const app of apps) {
    for (const { group, topics } of groupsOf(app)) {
      createdGroups.add(`${group}${suffix}`);
      for (const topic of topics) await startGroupAtEnd(`${group}${suffix}`, topic);
    }
  }
}

function spawnApp(app: string, port: number, env: Record<string, string>): Proc {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PGLITE_DIR: 'memory',
    KAFKA_BROKERS: brokers,
    KAFKA_CLIENT_ID: `${runTag}-${app}`,
  };
  // The embedded database in memory for every app unless --database-url, and the monolith with every module.
  delete childEnv['DATABASE_URL'];
  if (args['database-url'] !== undefined) childEnv['DATABASE_URL'] = args['database-url'];
  delete childEnv['NURT_SERVICES'];
  let out = '';
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [join(snapshot.dist, 'apps', app, 'main.js')], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const proc: Proc = {
    app,
    url: `http://127.0.0.1:${port}`,
    child,
    spawnedAt,
    output: () => out,
    memory: () => {
      const pid = child.pid;
      if (pid === undefined || child.exitCode !== null) throw new Error(`${app} is not running:\n${out}`);
      let rollup: string | undefined;
      try {
        rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      } catch {
        rollup = undefined;
      }
      return parseMemory(readFileSync(`/proc/${pid}/status`, 'utf8'), rollup);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      running.delete(proc);
    },
  };
  running.add(proc);
  return proc;
}

/** Free ports for `apps`, and the gateway's upstream variables for them. */
async function ports(
  apps: readonly string[],
): Promise<{ port: Map<string, number>; gatewayEnv: Record<string, string> }> {
  const port = new Map<string, number>();
  for (const app of apps) port.set(app, await freePort());
  const gatewayEnv = Object.fromEntries(
    SERVICES.map((s) => [`GATEWAY_${s.toUpperCase()}_URL`, `http://127.0.0.1:${port.get(s) ?? 0}`]),
  );
  return { port, gatewayEnv };
}

let workloadRun = 0;

/**
 * The same small workload through the public API: `predictions` × GET /predict/ (8 at a time),
 * customers read and created, transactions posted (the three groups then consume them), and
 * every read endpoint once or twice, so lazily initialised parts are resident when measured.
 * `base(service)` is where the request goes: the monolith, the gateway or the service itself.
 */
async function workload(base: (service: Service) => string): Promise<void> {
  const run = `${runTag}-w${++workloadRun}`;
  const call = async (service: Service, path: string, expect: readonly number[], body?: unknown) => {
    const res = await fetch(base(service) + path, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!expect.includes(res.status))
      throw new Error(`${service} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  };
  let left = predictions;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (left-- > 0) await call('prediction', '/predict/?area=65&bedrooms=3&building_age=10', [200]);
    }),
  );
  await call('prediction', '/models/price', [200]);
  for (let i = 0; i < 10; i++) {
    await call('customers', `/customers/${1 + (i % 3)}`, [200]);
    await call('customers', '/customers/?segment=premium', [200]);
    await call('customers', '/customers', [201], {
      name: `Footprint ${i}`,
      email: `${run}-${i}@example.com`,
      city: 'Warsaw',
      segment: 'standard',
    });
  }
  for (let i = 0; i < 30; i++) {
    const store = STORES[i % STORES.length]?.store ?? 'Warsaw';
    await call('transactions', '/transactions', [202], {
      id: `${run}-${i}`,
      amount: 10 + i,
      store,
      type: 'purchase',
      customerId: `${run}-c${i % 3}`,
    });
  }
  await sleep(2000); // the three groups apply them meanwhile
  for (let i = 0; i < 3; i++) {
    await call('fraud', '/fraud/alerts', [200]);
    await call('reporting', '/reports/sales?store=Warsaw', [200]);
    await call('recommendation', `/customers/${run}-c${i}/profile`, [200, 404]);
    await call('recommendation', `/recommendations/${run}-c${i}`, [200, 404]);
  }
}

type Metric = 'ready' | 'heap' | 'external' | `${keyof Memory}.${'settled' | 'worked'}`;

interface Round {
  /** Monolith: each metric. */
  readonly monolith: Map<Metric, number>;
  /** Split processes, each started alone: app → ms to ready. */
  readonly alone: Map<string, number>;
  /** Split processes started at once: metric → app → value. */
  readonly together: Map<Metric, Map<string, number>>;
}

function record(into: Map<Metric, Map<string, number>>, metric: Metric, app: string, value: number): void {
  const m = into.get(metric) ?? new Map<string, number>();
  m.set(app, value);
  into.set(metric, m);
}

/** /proc memory now; after the workload also the V8 heap and external memory from the app's /metrics (KiB). */
async function memoryOf(proc: Proc, when: 'settled' | 'worked', put: (metric: Metric, value: number) => void) {
  const m = proc.memory();
  for (const field of MEMORY_FIELDS) put(`${field}.${when}`, m[field]);
  if (when !== 'worked') return;
  const text = await fetch(`${proc.url}/metrics`, { signal: AbortSignal.timeout(5000) }).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
  put('heap', promValue(text, 'nodejs_heap_size_total_bytes') / 1024);
  put('external', promValue(text, 'nodejs_external_memory_bytes') / 1024);
}

async function runRound(r: number): Promise<Round> {
  const round: Round = { monolith: new Map(), alone: new Map(), together: new Map() };

  // 1. The monolith.
  const monoSuffix = `-${runTag}-r${r}-monolith`;
  await prepareGroups(['monolith'], monoSuffix);
  const mono = spawnApp('monolith', await freePort(), { KAFKA_GROUP_SUFFIX: monoSuffix });
  round.monolith.set('ready', await readyAfter(mono));
  await sleep(settleMs);
  await memoryOf(mono, 'settled', (metric, v) => round.monolith.set(metric, v));
  await workload(() => mono.url);
  await sleep(settleMs);
  await memoryOf(mono, 'worked', (metric, v) => round.monolith.set(metric, v));
  await mono.stop();
  console.log(
    `  round ${r} monolith: ready after ${format.seconds(round.monolith.get('ready') ?? NaN)} s, ` +
      `VmRSS ${format.mib(round.monolith.get('rss.settled') ?? NaN)} → ${format.mib(round.monolith.get('rss.worked') ?? NaN)} MiB`,
  );

  // 2. Each split process alone.
  const aloneSuffix = `-${runTag}-r${r}-alone`;
  await prepareGroups(SPLIT, aloneSuffix);
  for (const app of SPLIT) {
    // The gateway alone points at ports nobody listens on: its readiness does not wait for the services.
    const { port, gatewayEnv } = await ports(SPLIT);
    const proc = spawnApp(app, port.get(app) ?? 0, {
      KAFKA_GROUP_SUFFIX: aloneSuffix,
      ...(app === GATEWAY ? gatewayEnv : {}),
    });
    round.alone.set(app, await readyAfter(proc));
    await proc.stop();
  }
  console.log(
    `  round ${r} split, one at a time: ${SPLIT.map((a) => `${a} ${format.seconds(round.alone.get(a) ?? NaN)} s`).join(', ')}`,
  );

  // 3. All split processes at once.
  const togetherSuffix = `-${runTag}-r${r}-together`;
  await prepareGroups(SPLIT, togetherSuffix);
  const { port, gatewayEnv } = await ports(SPLIT);
  const procs = SPLIT.map((app) =>
    spawnApp(app, port.get(app) ?? 0, { KAFKA_GROUP_SUFFIX: togetherSuffix, ...(app === GATEWAY ? gatewayEnv : {}) }),
  );
  const readies = await Promise.all(procs.map((p) => readyAfter(p)));
  procs.forEach((p, i) => record(round.together, 'ready', p.app, readies[i] ?? NaN));
  await sleep(settleMs);
  for (const p of procs) await memoryOf(p, 'settled', (metric, v) => record(round.together, metric, p.app, v));
  const gateway = procs.find((p) => p.app === GATEWAY);
  const byApp = new Map(procs.map((p) => [p.app, p.url]));
  await workload((service) => gateway?.url ?? byApp.get(service) ?? '');
  await sleep(settleMs);
  for (const p of procs) await memoryOf(p, 'worked', (metric, v) => record(round.together, metric, p.app, v));
  await Promise.all(procs.map((p) => p.stop()));
  const sum = (metric: Metric, apps: readonly string[]) =>
    apps.reduce((n, a) => n + (round.together.get(metric)?.get(a) ?? NaN), 0);
  console.log(
    `  round ${r} split, all at once: last ready after ${format.seconds(Math.max(...readies))} s, ` +
      `VmRSS sum ${format.mib(sum('rss.settled', SPLIT))} → ${format.mib(sum('rss.worked', SPLIT))} MiB`,
  );
  return round;
}

async function deleteGroups(): Promise<void> {
  if (createdGroups.size === 0) return;
  const admin = plainKafka('nurt-bench-footprint').admin();
  try {
    await admin.connect();
    await admin.deleteGroups([...createdGroups]);
  } catch (err: unknown) {
    console.warn(`could not delete the bench's consumer groups (${runTag}-*): ${String(err)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function report(all: readonly Round[]): Table[] {
  const gw = GATEWAY !== undefined;
  const opts = (how: Combine) => ({ services: SERVICES, gateway: GATEWAY, how });
  const mono = (metric: Metric) => all.map((r) => r.monolith.get(metric) ?? NaN);
  const together = (metric: Metric): RoundValues[] => all.map((r) => r.together.get(metric) ?? new Map());

  const startup: Table = {
    title: `Start-up, spawn → first 200 on /health/ready (s), median of ${all.length} rounds`,
    header: comparisonHeader('start-up (s)', SERVICES.length, gw),
    rows: [
      comparisonRow(
        'split: each alone, summed',
        compare(
          mono('ready'),
          all.map((r) => r.alone),
          opts('sum'),
        ),
        format.seconds,
        gw,
      ),
      comparisonRow(
        'split: all at once, until the last is ready',
        compare(mono('ready'), together('ready'), opts('max')),
        format.seconds,
        gw,
      ),
    ],
  };
  const labels: Record<keyof Memory, string> = {
    rss: 'VmRSS',
    hwm: 'VmHWM (peak)',
    anon: 'RssAnon (private)',
    pss: 'Pss (shared pages split)',
  };
  const memory: Table = {
    title: `Memory (MiB), summed over the split processes, median of ${all.length} rounds`,
    header: comparisonHeader('memory (MiB)', SERVICES.length, gw),
    rows: (['settled', 'worked'] as const).flatMap((when) =>
      MEMORY_FIELDS.filter((f) => when === 'worked' || f === 'rss').map((field) =>
        comparisonRow(
          `${labels[field]}, ${when === 'settled' ? `ready + ${settleMs / 1000} s` : 'after the workload'}`,
          compare(mono(`${field}.${when}`), together(`${field}.${when}`), opts('sum')),
          format.mib,
          gw,
        ),
      ),
    ),
  };
  const alone = all.map((r) => r.alone);
  const monoRound = (metric: Metric): RoundValues[] =>
    all.map((r) => new Map([['monolith', r.monolith.get(metric) ?? NaN]]));
  const cell = (app: string, metric: Metric, show: (n: number) => string) =>
    show(app === 'monolith' ? medianOf(monoRound(metric), app) : medianOf(together(metric), app));
  const perApp: Table = {
    title: `Per process, median of ${all.length} rounds (split processes: memory from the all-at-once launch)`,
    header: [
      'process',
      'start-up alone (s)',
      'ready, all at once (s)',
      'VmRSS ready (MiB)',
      'VmRSS after workload',
      'VmHWM',
      'RssAnon',
      'Pss',
      'V8 heap',
      'external (ArrayBuffers, wasm)',
    ],
    rows: ['monolith', ...SPLIT].map((app) => [
      app,
      app === 'monolith' ? format.seconds(medianOf(monoRound('ready'), app)) : format.seconds(medianOf(alone, app)),
      app === 'monolith' ? '–' : cell(app, 'ready', format.seconds),
      cell(app, 'rss.settled', format.mib),
      cell(app, 'rss.worked', format.mib),
      cell(app, 'hwm.worked', format.mib),
      cell(app, 'anon.worked', format.mib),
      cell(app, 'pss.worked', format.mib),
      cell(app, 'heap', format.mib),
      cell(app, 'external', format.mib),
    ]),
  };
  return [startup, memory, perApp];
}

async function main(): Promise<void> {
  if (!args['no-build'] && args.dist === undefined) {
    for (const app of ['monolith', ...SPLIT]) {
      execFileSync('node', ['tools/build-if-stale.mjs', app], { cwd: root, stdio: 'inherit' });
    }
  }
  const stopKafka = await ensureKafka();
  const stopAll = () => {
    for (const p of running) p.child.kill('SIGKILL');
  };
  process.once('SIGINT', () => {
    stopAll();
    stopKafka();
    if (snapshot.dir) rmSync(snapshot.dir, { recursive: true, force: true });
    process.exit(130);
  });
  try {
    await snapshotDist(['monolith', ...SPLIT]);
    const tfjsNode = existsSync(join(root, 'node_modules/@tensorflow/tfjs-node'));
    console.log(
      `footprint: monolith vs ${SPLIT.join(', ')}; ${rounds} rounds, settle ${settleMs / 1000} s, ` +
        `${predictions} predictions per workload; Kafka ${brokers}; groups *-${runTag}-*; ` +
        `Node ${process.version}, tfjs backend ${process.env['PREDICTION_BACKEND'] ?? 'auto'} (${tfjsNode ? 'tfjs-node installed' : 'no tfjs-node: wasm'}); ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    if (!GATEWAY) console.log('(no apps/gateway: split totals without a gateway only)');
    const all: Round[] = [];
    for (let r = 1; r <= rounds; r++) all.push(await runRound(r));
    console.log(
      `\nload average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    const tables = report(all);
    for (const t of tables) console.log(`${textTable(t)}\n`);
    for (const t of tables) console.log(`${t.title}\n\n${markdownTable(t)}\n`);
  } finally {
    stopAll();
    await Promise.all([...running].map((p) => p.stop()));
    await deleteGroups();
    stopKafka();
    if (snapshot.dir) rmSync(snapshot.dir, { recursive: true, force: true });
  }
}

await main();
