import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Topics, TransactionsTopic, type Transaction } from '@nurt/contracts';
import { APPLIED_EVENTS_TABLE_SQL, applyOnce, DATABASE, type Database } from '@nurt/database';
import {
  DeadLetterHeaders,
  KafkaProducer,
  loadKafkaEnv,
  OnBatch,
  Projection,
  tailTopic,
  type RecordBatch,
  type TailedRecord,
  type TopicTail,
} from '@nurt/kafka';
import type { SalesReportDto } from '@nurt/reporting';
import type { ServiceDefinition } from '@nurt/runtime';
import pg from 'pg';
import { reporting } from '../apps/services/reporting.js';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { groupLag, plainKafka, startGroupAtEnd } from './support/kafka.js';
import { getJson, startServiceApp } from './support/pipeline.js';
import { repoRoot } from './support/process.js';
import { runId, waitFor } from './support/wait.js';

const run = runId();
const suffix = `-it-${run}`;
const AUDIT = `audit-${run}`;

/**
 * A consumer group that exists only in this test: it records every transaction of this run it
 * applies, once (applyOnce), and cannot apply a "poison" one. It is added to the reporting service
 * with one line, as docs/pipeline.md says a group is added.
 */
@Projection(AUDIT)
class AuditProjection {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  @OnBatch(TransactionsTopic)
  async transactions(@Payload() batch: RecordBatch<Transaction>): Promise<void> {
    const mine = batch.records.filter((r) => r.value.id.startsWith(run));
    await applyOnce(
      this.db,
      'audit',
      mine,
      (r) => r.value.id,
      async (q, fresh) => {
        if (fresh.some((r) => r.value.id.includes('poison'))) throw new Error('cannot audit a poisoned transaction');
        await q.query(
          `INSERT INTO audit.seen (id, n) SELECT unnest($1::text[]), 1
           ON CONFLICT (id) DO UPDATE SET n = audit.seen.n + 1`,
          [fresh.map((r) => r.value.id)],
        );
      },
    );
  }
}

const reportingWithAudit: ServiceDefinition = {
  ...reporting,
  projections: [...(reporting.projections ?? []), AuditProjection],
};

const execFileAsync = promisify(execFile);
const env = { KAFKA_HANDLER_RETRIES: '1', KAFKA_HANDLER_BACKOFF_MS: '20', DATABASE_PRUNE_INTERVAL_MS: '1000' };

describe('the consumer-group runtime: no record stalls a partition, nothing applied twice (real broker, PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let db: pg.Client;
  let app: NestFastifyApplication;
  let url: string;
  let dlqTail: TopicTail;
  let runStartedAt: Date;
  const letters: TailedRecord[] = [];
  const lettersOf = (group: string, key: string): TailedRecord[] =>
    letters.filter((l) => l.key === key && l.headers[DeadLetterHeaders.Group] === `${group}${suffix}`);

  const start = async (keepOffsets = false): Promise<void> => {
    ({ app, url } = await startServiceApp({
      name: `projections-${run}`,
      services: [reportingWithAudit],
      groupSuffix: suffix,
      databaseUrl: scratch.url,
      env,
      keepOffsets,
    }));
  };

  async function count(store: string): Promise<number> {
    const report = await getJson<SalesReportDto>(`${url}/reports/sales?store=${encodeURIComponent(store)}`);
    return report.groups.reduce((n, g) => n + g.count, 0);
  }

  async function audited(): Promise<{ ids: number; applications: number }> {
    const { rows } = await db.query<{ ids: string; applications: string }>(
      'SELECT count(*) AS ids, coalesce(sum(n), 0) AS applications FROM audit.seen',
    );
    return { ids: Number(rows[0]?.ids), applications: Number(rows[0]?.applications) };
  }

  beforeAll(async () => {
    // Every record of this run is written after this instant; the reset test rewinds to it.
    runStartedAt = new Date(Date.now() - 5_000);
    scratch = await createScratchDatabase('nurt_projections');
    db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    await db.query(`CREATE SCHEMA audit; SET search_path TO audit; ${APPLIED_EVENTS_TABLE_SQL}
      CREATE TABLE audit.seen (id text PRIMARY KEY, n integer NOT NULL); SET search_path TO public`);
    await startGroupAtEnd(`dlq-${run}`, Topics.TransactionsDlq);
    dlqTail = await tailTopic(loadKafkaEnv(), {
      topic: Topics.TransactionsDlq,
      groupId: `dlq-${run}`,
      onRecord: (r) => {
        if (r.headers[DeadLetterHeaders.Group]?.endsWith(suffix)) letters.push(r);
      },
    });
    await start();
  });

  afterAll(async () => {
    await dlqTail?.stop();
    await app?.close();
    await db?.end();
    await scratch?.drop();
  });

  it('runs a test-only group added to a service with one line, beside the service own group', async () => {
    const health = await getJson<{ checks: { kafka: { consumerGroups: Record<string, { state: string }> } } }>(
      `${url}/health`,
    );
    expect(Object.keys(health.checks.kafka.consumerGroups).sort()).toEqual([AUDIT, 'reporting'].sort());
    await waitFor('both groups consuming', async () => {
      const h = await getJson<{ checks: { kafka: { consumerGroups: Record<string, { state: string }> } } }>(
        `${url}/health`,
      );
      return Object.values(h.checks.kafka.consumerGroups).every((g) => g.state === 'consuming');
    });
  });

  it('dead-letters only the poison record in the middle of a batch and applies every other record once', async () => {
    const store = `Poison-${run}`;
    const txs = Array.from({ length: 41 }, (_, i) => ({
      id: `${run}-${i === 20 ? 'poison' : 'tx'}-${i}`,
      amount: 10 + i,
      store,
      type: 'purchase' as const,
    }));
    // One request, one key: one record batch on one partition, fetched as one batch.
    await app.get(KafkaProducer).sendBatch(txs.map((t) => ({ topic: Topics.Transactions, key: store, value: t })));

    await waitFor('the audit of the 40 good records', async () => (await audited()).ids === 40);
    await waitFor('the poison record on the DLQ', () => lettersOf(AUDIT, store).length > 0);
    await waitFor('reporting to count all 41', async () => (await count(store)) === 41);
    expect(await audited()).toEqual({ ids: 40, applications: 40 });
    const poisoned = lettersOf(AUDIT, store);
    expect(poisoned).toHaveLength(1);
    expect(JSON.parse(poisoned[0]?.value?.toString() ?? '{}')).toMatchObject({ id: `${run}-poison-20` });
    expect(poisoned[0]?.headers).toMatchObject({
      [DeadLetterHeaders.Reason]: 'handler',
      [DeadLetterHeaders.Error]: 'cannot audit a poisoned transaction',
      [DeadLetterHeaders.Attempts]: '2',
    });
    // The group the poison did not bother wrote no dead letter for it.
    expect(lettersOf('reporting', store)).toEqual([]);
  });

  it('dead-letters a field nested 5,000 deep, "amount": 1e-07 and a ~1 MB value, and applies the records behind them', async () => {
    const store = `Stall-${run}`;
    const deep = `{"id":"${run}-deep","amount":${'['.repeat(5000)}1${']'.repeat(5000)},"store":"${store}","type":"purchase"}`;
    const tiny = `{"id":"${run}-tiny","amount":1e-07,"store":"${store}","type":"purchase"}`;
    // The broker takes it (under its 1 MiB limit), but not again with the dlq-* headers on top.
    const big = JSON.stringify({ id: `${run}-big`, amount: 1, store: 'x'.repeat(1_000_000), type: 'purchase' });
    const after = [1, 2].map((i) => JSON.stringify({ id: `${run}-after-${i}`, amount: 5, store, type: 'purchase' }));
    const producer = plainKafka(`stall-${run}`).producer();
    await producer.connect();
    try {
      await producer.send({
        topic: Topics.Transactions,
        messages: [deep, tiny].map((value) => ({ key: store, value })),
      });
      await producer.send({ topic: Topics.Transactions, messages: [{ key: store, value: big }] });
      await producer.send({ topic: Topics.Transactions, messages: after.map((value) => ({ key: store, value })) });
    } finally {
      await producer.disconnect();
    }

    await waitFor('the records behind the stalling ones', async () => (await count(store)) === 2, 60_000);
    await waitFor('three dead letters from each group', () =>
      [AUDIT, 'reporting'].every((g) => lettersOf(g, store).length === 3),
    );
    const mine = lettersOf('reporting', store);
    expect(mine.map((l) => [l.headers[DeadLetterHeaders.Reason], l.headers[DeadLetterHeaders.Error]])).toEqual([
      ['validation', expect.stringMatching(/^amount: nested deeper than 32 levels/) as string],
      ['validation', expect.stringMatching(/^amount: amount must have at most 2 decimal places/) as string],
      ['validation', expect.stringMatching(/^store: /) as string],
    ]);
    const cut = mine[2];
    expect(cut?.headers).toMatchObject({
      [DeadLetterHeaders.Truncated]: 'value',
      [DeadLetterHeaders.OriginalBytes]: String(Buffer.byteLength(store) + Buffer.byteLength(big)),
      [DeadLetterHeaders.OriginalSha256]: createHash('sha256').update(big).digest('hex'),
    });
    expect(cut?.value?.length).toBeLessThan(Buffer.byteLength(big));
    expect(cut?.value?.toString()).toBe(big.slice(0, cut?.value?.length));
    await waitFor('both groups past the stalling records', async () =>
      (await Promise.all([AUDIT, 'reporting'].map((g) => groupLag(`${g}${suffix}`, Topics.Transactions)))).every(
        (lag) => lag === 0,
      ),
    );
  });

  it('prunes applied ids once their transaction can no longer come again (9 days), on a schedule', async () => {
    await db.query(
      `INSERT INTO reporting.applied_events (id, partition, "offset", applied_at) VALUES
         ($1, 0, 0, now() - interval '10 days'), ($2, 0, 1, now() - interval '8 days')`,
      [`${run}-old-claim`, `${run}-recent-claim`],
    );
    await waitFor(
      'the old claim to be pruned',
      async () =>
        (await db.query('SELECT 1 FROM reporting.applied_events WHERE id = $1', [`${run}-old-claim`])).rowCount === 0,
      15_000,
    );
    const left = await db.query('SELECT id FROM reporting.applied_events WHERE id = $1', [`${run}-recent-claim`]);
    expect(left.rowCount).toBe(1);
  });

  // An operator rewinding a group replays records it already applied. The groups are rewound to
  // before this run's first record rather than to the earliest offset, so that the replay is the
  // same size on a fresh broker (CI) and on a developer's broker holding millions of bench records.
  it("changes no total when Kafka's own kafka-consumer-groups rewinds both groups to before the run's first record", async () => {
    const stores = [`Poison-${run}`, `Stall-${run}`];
    const before = { counts: await Promise.all(stores.map(count)), audited: await audited() };
    await app.close();
    for (const group of ['reporting', AUDIT]) {
      const { stdout } = await execFileAsync(
        'bash',
        [
          'tools/kafka/kafka.sh',
          'tool',
          'consumer-groups',
          '--group',
          `${group}${suffix}`,
          '--topic',
          Topics.Transactions,
          '--reset-offsets',
          '--to-datetime',
          runStartedAt.toISOString().replace(/Z$/, '+00:00'),
          '--execute',
        ],
        { cwd: repoRoot },
      );
      expect(stdout).toMatch(new RegExp(`${group}${suffix}\\s+${Topics.Transactions}`));
    }
    expect(await groupLag(`reporting${suffix}`, Topics.Transactions)).toBeGreaterThan(0);
    await start(true);
    await waitFor(
      'both groups to replay the run',
      async () =>
        (await Promise.all([AUDIT, 'reporting'].map((g) => groupLag(`${g}${suffix}`, Topics.Transactions)))).every(
          (lag) => lag === 0,
        ),
      60_000,
    );
    expect({ counts: await Promise.all(stores.map(count)), audited: await audited() }).toEqual(before);
  }, 90_000);
});
