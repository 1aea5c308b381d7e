/**
 * npm run bench:pipeline [-- --count 30000 --database-url postgres://… --instances 1,2,3 --profile]
 *
 * How fast the consumer groups turn the `transactions` topic into their views, against the
 * broker's own consumer, in one run on the broker in KAFKA_BROKERS (or the local one):
 *  1. Kafka's ConsumerPerformance reads `count` records of `transactions`: the baseline, the speed
 *     at which the log itself can be read on this machine.
 *  2. End to end, the built monolith (all three groups, anti-fraud, reporting, recommendation):
 *     `count` lecture-shaped transactions written to `transactions` (nurt's producer), timed from
 *     the first write until every group has committed the end of the topic (and, timed on its own,
 *     until anti-fraud has judged what it recorded, which waits FRAUD_LATENESS_S); once on embedded
 *     storage (PGlite in a folder, the `npm start` default) and once on PostgreSQL.
 *  3. The reporting service alone in split mode, as 1, 2 and 3 instances sharing one PostgreSQL.
 * Every run is checked: each group applied each transaction exactly once.
 * `--profile` records a CPU profile of the embedded-storage monolith and prints where its time went.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVICES, Topics, type Transaction } from '@nurt/contracts';
import { KafkaProducer, loadKafkaEnv } from '@nurt/kafka';
import type { ProfileDto } from '@nurt/recommendation';
import type { SalesReportDto } from '@nurt/reporting';
import { groupsOf, type ServiceDefinition } from '@nurt/runtime';
import { generateShopTraffic } from '@nurt/transactions';
import pg from 'pg';
import { loadServices } from '../../apps/services/index.js';
import { groupLag } from '../../test/support/kafka.js';
import { positionGroupsAtEnd } from '../../test/support/pipeline.js';
import { waitFor } from '../../test/support/wait.js';
import { ensureKafka, killAll, root, startServer, type Server } from '../lib/harness.js';
import { formatSummary, readProfile } from '../lib/cpuprofile-top.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '30000' },
    'database-url': {
      type: 'string',
      default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    instances: { type: 'string', default: '1,2,3' },
    profile: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
if (!(Number.isInteger(count) && count >= 100 && count <= 500_000)) throw new Error('--count must be 100..500000');
const instances = values.instances
  .split(',')
  .filter((s) => s.trim() !== '')
  .map(Number);
if (!instances.every((n) => Number.isInteger(n) && n >= 1 && n <= 6)) {
  throw new Error('--instances must list instance counts 1..6, e.g. 1,2,3');
}
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const run = `B${Date.now().toString(36)}`;
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Kafka's own consumer reading `records` records of the topic: fetch throughput, without its group join. */
function consumerPerformance(records: number): Promise<number> {
  return new Promise((done, fail) => {
    execFile(
      'bash',
      [
        'tools/kafka/kafka.sh',
        'tool',
        'consumer-perf',
        '--bootstrap-server',
        brokers,
        '--topic',
        Topics.Transactions,
        '--num-records',
        String(records),
        '--group',
        `bench-consumer-perf-${run}`,
        '--timeout',
        '60000',
      ],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return fail(new Error(`consumer-perf failed: ${stderr || err.message}`));
        // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
        // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
        const line = stdout.trim().split('\n').pop() ?? '';
        const fields = line.split(',').map((f) => f.trim());
        const rate = Number(fields[9]);
        if (!(rate > 0)) return fail(new Error(`unexpected consumer-perf output: ${line}`));
        done(rate);
      },
    );
  });
}

/**
 * `count` transactions over up to 2,000 customers of this run and the chain's twelve stores, with
 * 2 % incidents, over the two weeks up to now (libs/transactions `generateShopTraffic`, what
 * `npm run produce` writes), as a shop's traffic is: the rules look at each customer's recent
 * history, and a customer doing fifteen transactions in the same second is a fraud pattern, not a
 * load test.
 */
function traffic(prefix: string): Transaction[] {
  return [
    ...generateShopTraffic({
      customers: Array.from({ length: 2000 }, (_, i) => `${prefix}-c${i}`),
      count,
      seed: 42,
      idPrefix: `${prefix}-`,
      fraudRatio: 0.02,
      days: 14,
    }).transactions,
  ];
}

async function produce(producer: KafkaProducer, txs: readonly Transaction[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < txs.length; i += 1000) {
    await producer.sendBatch(
      txs.slice(i, i + 1000).map((tx) => ({ topic: Topics.Transactions, key: tx.store, value: tx })),
    );
  }
  return txs.length / ((performance.now() - started) / 1000);
}

interface GroupsHealth {
  checks: { kafka?: { consumerGroups?: Record<string, { state: string }> } };
}

async function groupsConsuming(server: Server, groups: number): Promise<boolean> {
  const res = await fetch(`${server.url}/health`).catch(() => undefined);
  if (!res) return false;
  const states = Object.values(((await res.json()) as GroupsHealth).checks.kafka?.consumerGroups ?? {});
  return states.length === groups && states.every((s) => s.state === 'consuming');
}

interface Measured {
  readonly label: string;
  readonly seconds: number;
  readonly tps: number;
  readonly produceTps: number;
  readonly check: string;
  /** Per group and topic, from the apps' /metrics: how the records were batched and how long batches took. */
  readonly batches: string[];
}

/** Sums a metric's samples (all instances, any labels matching `labels`) from Prometheus text. */
function sample(texts: readonly string[], name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      const body = line.slice(name.length + 1, line.indexOf('}'));
      if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`)))
        total += Number(line.split(' ').pop());
    }
  }
  return total;
}

async function batchesOf(servers: readonly Server[], groups: readonly string[]): Promise<string[]> {
  const texts = await Promise.all(servers.map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
  return groups.map((group) => {
    const labels = { group, topic: Topics.Transactions };
    const batches = sample(texts, 'projection_batch_records_count', labels);
    const records = sample(texts, 'projection_batch_records_sum', labels);
    const applyS = sample(texts, 'projection_apply_seconds_sum', labels);
    const applies = sample(texts, 'projection_apply_seconds_count', labels);
    return `${group}: ${batches} batches of ${(records / Math.max(batches, 1)).toFixed(0)} records on average, applied in ${((applyS / Math.max(applies, 1)) * 1000).toFixed(1)} ms each (${applyS.toFixed(2)} s in all)`;
  });
}

/**
 * Nothing waits to be judged by the fraud rules in this app (true where it runs no fraud service):
 * anti-fraud commits a batch once recorded, and judges in event-time order after FRAUD_LATENESS_S.
 */
async function fraudJudged(server: Server): Promise<boolean> {
  const res = await fetch(`${server.url}/fraud/pending`);
  if (res.status === 404) return true;
  return ((await res.json()) as { transactions: number }).transactions === 0;
}

/** Starts the apps, writes the traffic, times until every group is at the end, then checks the views. */
async function measure(
  label: string,
  options: {
    apps: { app: string; env: Record<string, string>; args?: string[] }[];
    services: readonly ServiceDefinition[];
    suffix: string;
    verify: (txs: readonly Transaction[], servers: readonly Server[]) => Promise<string>;
  },
): Promise<Measured> {
  const producer = KafkaProducer.standalone(loadKafkaEnv(), `bench-${run}`);
  const servers: Server[] = [];
  try {
    await positionGroupsAtEnd(options.services, options.suffix);
    for (const { app, env, args } of options.apps) {
      servers.push(
        await startServer({
          label: app,
          command: [...(args ?? []), `dist/apps/${app}/main.js`],
          env: { KAFKA_BROKERS: brokers, KAFKA_GROUP_SUFFIX: options.suffix, CUSTOMERS_SEED: 'false', ...env },
          readyPath: '/health/live',
        }),
      );
    }
    const groups = groupsOf(options.services).map((g) => g.group);
    await waitFor(
      'every group to join',
      async () => (await Promise.all(servers.map((s) => groupsConsuming(s, groups.length)))).every(Boolean),
      120_000,
    );
    const txs = traffic(`${run}${options.suffix}`);
    const started = performance.now();
    const produceTps = await produce(producer, txs);
    await waitFor(
      'every group to commit the end of the topic',
      async () =>
        (await Promise.all(groups.map((g) => groupLag(`${g}${options.suffix}`, Topics.Transactions)))).every(
          (lag) => lag === 0,
        ),
      900_000,
    );
    const seconds = (performance.now() - started) / 1000;
    // Anti-fraud judges what it recorded once late records can no longer come (FRAUD_LATENESS_S):
    // a deliberate wait after the last record, timed on its own.
    await waitFor(
      'anti-fraud to judge what it recorded',
      async () => (await Promise.all(servers.map(fraudJudged))).every(Boolean),
      300_000,
    );
    const judgedAfter = (performance.now() - started) / 1000 - seconds;
    const batches = await batchesOf(servers, groups);
    const check = await options.verify(txs, servers);
    const judged = groups.includes('anti-fraud')
      ? `; anti-fraud's judge done ${judgedAfter.toFixed(1)} s after that`
      : '';
    log(
      `  ${label}: ${fmt(count / seconds)} tx/s (${seconds.toFixed(1)} s${judged}); ${check}\n    ${batches.join('\n    ')}`,
    );
    return { label, seconds, tps: count / seconds, produceTps, check: `${check}${judged}`, batches };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await producer.onApplicationShutdown();
  }
}

/** Each group applied each transaction exactly once: its applied ids in PostgreSQL. */
async function appliedExactlyOnce(url: string, schemas: readonly string[], prefix: string): Promise<string> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    // One query at a time: a pg client runs them in turn anyway (and warns when asked to overlap).
    const counts: number[] = [];
    for (const schema of schemas) {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${schema}.applied_events WHERE id LIKE $1`,
        [`${prefix}-%`],
      );
      counts.push(Number(rows[0]?.n));
    }
    if (counts.some((n) => n !== count))
      throw new Error(`applied ${counts.join(', ')} of ${count} (${schemas.join(', ')})`);
    return `${schemas.join(', ')}: ${count} applied ids each`;
  } finally {
    await db.end();
  }
}

/** Embedded storage cannot be queried from outside: the views, through the API, add up to what was written. */
async function viewsAddUp(txs: readonly Transaction[], server: Server): Promise<string> {
  const report = (await (await fetch(`${server.url}/reports/sales?limit=5000`)).json()) as SalesReportDto;
  const stores = new Set(txs.map((t) => t.store));
  // The chain's stores see other runs' traffic too; this run's customers are its own.
  const customers = [...new Set(txs.flatMap((t) => (t.customerId ? [t.customerId] : [])))];
  let profiled = 0;
  for (let i = 0; i < customers.length; i += 50) {
    const batch = await Promise.all(
      customers
        .slice(i, i + 50)
        .map(
          async (c) =>
            ((await (await fetch(`${server.url}/customers/${c}/profile`)).json()) as ProfileDto).transactions,
        ),
    );
    profiled += batch.reduce((a, b) => a + b, 0);
  }
  const withCustomer = txs.filter((t) => t.customerId !== undefined).length;
  if (profiled !== withCustomer) throw new Error(`profiles count ${profiled} of ${withCustomer} transactions`);
  const reported = report.groups.filter((g) => stores.has(g.store)).reduce((n, g) => n + g.count, 0);
  if (reported < count) throw new Error(`reporting counts ${reported}, fewer than the ${count} written`);
  return `profiles add up to ${profiled} transactions, reporting counts them`;
}

async function main(): Promise<void> {
  const stopKafka = await ensureKafka();
  process.once('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  const pgliteDir = mkdtempSync(join(tmpdir(), 'nurt-bench-pglite-'));
  const profileDir = mkdtempSync(join(tmpdir(), 'nurt-bench-profile-'));
  const admin = new pg.Client({ connectionString: values['database-url'] });
  const databases: string[] = [];
  const database = async (name: string): Promise<string> => {
    const db = `nurt_bench_${run.toLowerCase()}_${name}`;
    await admin.query(`CREATE DATABASE ${db}`);
    databases.push(db);
    const url = new URL(values['database-url']);
    url.pathname = `/${db}`;
    return url.toString();
  };
  try {
    if (!values['no-build'])
      execFileSync(process.execPath, ['tools/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });
    await admin.connect();
    const all = await loadServices(SERVICES);
    const reporting = all.filter((s) => s.name === 'reporting');
    log(
      `${count} transactions per run; broker ${brokers}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );

    const rows: Measured[] = [];
    rows.push(
      await measure('monolith, embedded storage (PGlite)', {
        apps: [
          {
            app: 'monolith',
            env: { PGLITE_DIR: pgliteDir, DATABASE_URL: '' },
            args: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
          },
        ],
        services: all,
        suffix: `-bench-${run}-pglite`,
        verify: (txs, [server]) => viewsAddUp(txs, server),
      }),
    );
    const monolithDb = await database('monolith');
    rows.push(
      await measure('monolith, PostgreSQL', {
        apps: [
          {
            app: 'monolith',
            env: { DATABASE_URL: monolithDb },
            args: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, 'postgres')}`] : [],
          },
        ],
        services: all,
        suffix: `-bench-${run}-pg`,
        verify: () =>
          appliedExactlyOnce(monolithDb, ['fraud', 'reporting', 'recommendation'], `${run}-bench-${run}-pg`),
      }),
    );
    for (const n of instances) {
      const db = await database(`reporting${n}`);
      rows.push(
        await measure(`reporting alone, ${n} instance${n > 1 ? 's' : ''} (split mode, one PostgreSQL)`, {
          apps: Array.from({ length: n }, () => ({ app: 'reporting', env: { DATABASE_URL: db } })),
          services: reporting,
          suffix: `-bench-${run}-r${n}`,
          verify: () => appliedExactlyOnce(db, ['reporting'], `${run}-bench-${run}-r${n}`),
        }),
      );
    }
    log('ConsumerPerformance on the same topic ...');
    const baseline = await consumerPerformance(count);
    process.stdout.write(
      [
        '',
        `| measurement (${fmt(count)} transactions) | transactions / s | ratio to ConsumerPerformance |`,
        '| --- | ---: | ---: |',
        `| Kafka ConsumerPerformance reading \`transactions\` (baseline) | ${fmt(baseline)} | 1.00 |`,
        ...rows.map((r) => `| end to end: ${r.label} | ${fmt(r.tps)} | ${(r.tps / baseline).toFixed(3)} |`),
        '',
        `nurt's producer wrote them at ${rows.map((r) => fmt(r.produceTps)).join(', ')} tx/s in those runs.`,
        ...rows.map((r) => `- ${r.label}: ${r.check}; ${r.batches.join('; ')}`),
        '',
      ].join('\n'),
    );
    if (values.profile) {
      for (const [label, dir] of [
        ['embedded storage', profileDir],
        ['PostgreSQL', join(profileDir, 'postgres')],
      ] as const) {
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!file) throw new Error(`the monolith on ${label} wrote no CPU profile`);
        process.stdout.write(`\nCPU profile of the monolith on ${label} (${join(dir, file)}):\n\n`);
        process.stdout.write(`${formatSummary(readProfile(join(dir, file)))}\n`);
      }
    }
  } catch (err: unknown) {
    killAll();
    log(String(err instanceof Error ? (err.stack ?? err.message) : err));
    process.exitCode = 1;
  } finally {
    for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    rmSync(pgliteDir, { recursive: true, force: true });
    if (!values.profile) rmSync(profileDir, { recursive: true, force: true });
    stopKafka();
  }
}

await main();
