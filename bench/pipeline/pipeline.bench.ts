/**
 * npm run bench:pipeline [-- --count 6000 --perf-records 100000 --database-url postgres://...]
 *
 * On the broker in KAFKA_BROKERS, in one run:
 *  1. Kafka's own ProducerPerformance (acks=all, idempotent, 200-byte records) on a scratch topic:
 *     the baseline, in records per second.
 *  2. nurt's producer (KafkaProducer.sendBatch, 1000 transactions a batch, acks=all) on the same topic.
 *  3. End to end: the built monolith (all three consumer groups, PostgreSQL), transactions posted to
 *     POST /transactions/batch (1000 a request) until every group has applied every one of them.
 * Each is reported as a ratio to the baseline. Bounded: a few hundred thousand records at most.
 */
import { execFile, execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Topics, type Transaction } from '@nurt/contracts';
import { KafkaProducer, loadKafkaEnv } from '@nurt/kafka';
import { TrafficGenerator } from '@nurt/transactions';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { startGroupAtEnd } from '../../test/support/kafka.js';
import { killAll, root, startServer } from '../lib/harness.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '6000' },
    'perf-records': { type: 'string', default: '100000' },
    'database-url': {
      type: 'string',
      default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});
const count = Number(values.count);
const perfRecords = Number(values['perf-records']);
if (!(count > 0 && count <= 200_000 && perfRecords > 0 && perfRecords <= 1_000_000)) {
  throw new Error('--count must be 1..200000 and --perf-records 1..1000000');
}
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const run = `B${Date.now().toString(36)}`;
const benchTopic = `bench-pipeline-${run}`;
const kafka = new kafkajs.Kafka({
  clientId: 'bench-pipeline',
  brokers: brokers.split(','),
  logLevel: kafkajs.logLevel.NOTHING,
});
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function producerPerformance(records: number): Promise<number> {
  return new Promise((done, fail) => {
    execFile(
      'bash',
      [
        'tools/kafka/kafka.sh',
        'tool',
        'producer-perf',
        '--topic',
        benchTopic,
        '--num-records',
        String(records),
        '--record-size',
        '200',
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${brokers}`,
        'acks=all',
        'enable.idempotence=true',
      ],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return fail(new Error(`producer-perf failed: ${stderr || err.message}`));
        // Last line: "100000 records sent, 61236.987 records/sec (11.68 MB/sec), ..."
        const last = stdout.trim().split('\n').pop() ?? '';
        const match = /records sent, ([\d.]+) records\/sec/.exec(last);
        if (!match?.[1]) return fail(new Error(`unexpected producer-perf output: ${last}`));
        done(Number(match[1]));
      },
    );
  });
}

function traffic(n: number, prefix: string): Transaction[] {
  const generator = new TrafficGenerator({
    customers: Array.from({ length: 500 }, (_, i) => `${prefix}c${i}`),
    idPrefix: `${prefix}-`,
    stores: Array.from({ length: 12 }, (_, i) => `${prefix}-store${i}`),
    fraudRatio: 0.02,
    seed: 42,
  });
  const out: Transaction[] = [];
  while (out.length < n) out.push(...generator.next().transactions);
  return out.slice(0, n);
}

async function nurtProducer(records: number): Promise<number> {
  const producer = KafkaProducer.standalone(loadKafkaEnv(), 'bench-producer');
  const txs = traffic(records, `${run}p`);
  try {
    await producer.send({ topic: benchTopic, key: 'warm-up', value: txs[0] });
    const started = performance.now();
    for (let i = 0; i < txs.length; i += 1000) {
      await producer.sendBatch(txs.slice(i, i + 1000).map((tx) => ({ topic: benchTopic, key: tx.store, value: tx })));
    }
    return records / ((performance.now() - started) / 1000);
  } finally {
    await producer.onApplicationShutdown();
  }
}

async function endToEnd(n: number): Promise<{ tps: number; seconds: number; ingestTps: number }> {
  const dbName = `nurt_bench_${run.toLowerCase()}`;
  const admin = new pg.Client({ connectionString: values['database-url'] });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(values['database-url']);
  url.pathname = `/${dbName}`;
  const suffix = `-bench-${run}`;
  for (const g of ['anti-fraud', 'reporting', 'recommendation']) {
    await startGroupAtEnd(`${g}${suffix}`, Topics.Transactions);
    await startGroupAtEnd(`${g}${suffix}`, Topics.Customers);
  }
  const server = await startServer({
    label: 'monolith',
    command: ['dist/apps/monolith/main.js'],
    env: { KAFKA_BROKERS: brokers, DATABASE_URL: url.toString(), KAFKA_GROUP_SUFFIX: suffix, CUSTOMERS_SEED: 'false' },
    readyPath: '/health',
  });
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    const txs = traffic(n, `${run}e`);
    const applied = async (): Promise<number[]> => {
      const { rows } = await db.query<{ f: string; r: string; c: string }>(
        `SELECT (SELECT count(*) FROM fraud.applied_events WHERE id LIKE $1) AS f,
                (SELECT count(*) FROM reporting.applied_events WHERE id LIKE $1) AS r,
                (SELECT count(*) FROM recommendation.applied_events WHERE id LIKE $1) AS c`,
        [`${run}e-%`],
      );
      return [Number(rows[0]?.f), Number(rows[0]?.r), Number(rows[0]?.c)];
    };
    const started = performance.now();
    for (let i = 0; i < txs.length; i += 1000) {
      const res = await fetch(`${server.url}/transactions/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ transactions: txs.slice(i, i + 1000) }),
      });
      if (res.status !== 202) throw new Error(`POST /transactions/batch answered ${res.status}: ${await res.text()}`);
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 600_000;
    for (;;) {
      const counts = await applied();
      if (counts.every((c) => c === n)) break;
      if (Date.now() > deadline) throw new Error(`not all applied within 10 minutes: ${counts.join(', ')} of ${n}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    return { tps: n / seconds, seconds, ingestTps: n / ingestSeconds };
  } finally {
    await db.end();
    await server.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

process.once('SIGINT', () => {
  killAll();
  process.exit(130);
});

try {
  execFileSync(process.execPath, ['tools/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: benchTopic, numPartitions: 6 }] });
  await admin.disconnect();

  log(`ProducerPerformance: ${perfRecords} records of 200 bytes, acks=all, idempotent ...`);
  const baseline = await producerPerformance(perfRecords);
  log(`nurt producer: ${perfRecords} transactions in batches of 1000 ...`);
  const producer = await nurtProducer(perfRecords);
  log(`end to end: ${count} transactions through the monolith and its three consumer groups ...`);
  const e2e = await endToEnd(count);

  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: [benchTopic] });
  await cleanup.disconnect();

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const rows = [
    ['Kafka ProducerPerformance (baseline)', fmt(baseline), '1.00'],
    ['nurt KafkaProducer.sendBatch (1000 a batch)', fmt(producer), (producer / baseline).toFixed(3)],
    ['REST ingest, POST /transactions/batch', fmt(e2e.ingestTps), (e2e.ingestTps / baseline).toFixed(3)],
    [
      `end to end, ingest → all 3 groups applied (${count} tx, ${e2e.seconds.toFixed(1)} s)`,
      fmt(e2e.tps),
      (e2e.tps / baseline).toFixed(4),
    ],
  ];
  process.stdout.write(
    [
      '| measurement | records or transactions / s | ratio to ProducerPerformance |',
      '| --- | ---: | ---: |',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n') + '\n',
  );
} catch (err: unknown) {
  killAll();
  log(String(err instanceof Error ? (err.stack ?? err.message) : err));
  process.exitCode = 1;
}
