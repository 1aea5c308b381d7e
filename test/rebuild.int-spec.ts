/**
 * Rebuilding a consumer group's view from the log (POST /admin/groups/:group/rebuild, which
 * `npm run rebuild` calls): a view corrupted in PostgreSQL comes back exactly as built fresh; a log
 * that lost records to retention is refused unless forced; the endpoint is guarded.
 */
import { Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Topics, type TopicContract, type TopicName } from '@nurt/contracts';
import { KafkaProducer, OnBatch, OnRebuild, Projection, type RecordBatch, type RebuildProgress } from '@nurt/kafka';
import type { ServiceDefinition } from '@nurt/runtime';
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import { reporting } from '../apps/services/reporting.js';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { plainKafka } from './support/kafka.js';
import { getJson, makeTransactions, runStores, startServiceApp } from './support/pipeline.js';
import { repoRoot } from './support/process.js';
import { runId, waitFor } from './support/wait.js';

const execFileAsync = promisify(execFile);

const run = runId();
const suffix = `-rebuild-${run}`;
const TOKEN = `token-for-${run}-only`;
const RETAINED = `retained-${run}`;
const retainedTopic = `rebuild-test-${run}` as TopicName;

/** A view held in memory, of a topic of this test only, whose early records the test deletes. */
const RETAINED_VIEW = Symbol('retained view');
const RetainedTopic: TopicContract<{ n: number }> = {
  topic: retainedTopic,
  deadLetterTopic: Topics.TransactionsDlq,
  parse: (value) =>
    typeof value === 'object' && value !== null && typeof (value as { n?: unknown }).n === 'number'
      ? { ok: true, value: value as { n: number } }
      : { ok: false, errors: [{ field: 'n', message: 'n must be a number' }] },
};

@Projection(RETAINED)
class RetainedProjection {
  constructor(@Inject(RETAINED_VIEW) private readonly seen: number[]) {}

  @OnBatch(RetainedTopic)
  transactions(@Payload() batch: RecordBatch<{ n: number }>): void {
    this.seen.push(...batch.records.map((r) => r.value.n));
  }

  @OnRebuild()
  clear(): void {
    this.seen.length = 0;
  }
}

const seen: number[] = [];
const reportingAndRetained: ServiceDefinition = {
  ...reporting,
  modules: () => [
    ...reporting.modules(),
    {
      module: class RetainedViewModule {},
      providers: [{ provide: RETAINED_VIEW, useValue: seen }],
      exports: [RETAINED_VIEW],
      global: true,
    },
  ],
  projections: [...(reporting.projections ?? []), RetainedProjection],
};

describe('rebuilding a group from the log (real broker, PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let db: pg.Client;
  let app: NestFastifyApplication;
  let url: string;
  const stores = runStores(run, 6);
  const txs = makeTransactions(run, 300, stores, 40);

  const admin = async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  ): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${url}/admin/groups${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };

  /** The run's share of the reporting view: every row, in key order. */
  const view = async (): Promise<unknown[]> =>
    (
      await db.query<Record<string, unknown>>(
        `SELECT store, type, window_kind, window_start, count, sum, min, max FROM reporting.sales_stats
         WHERE store = ANY($1::text[]) ORDER BY window_kind, store, type, window_start`,
        [stores],
      )
    ).rows;

  const rebuilt = async (group: string): Promise<RebuildProgress> => {
    let progress: RebuildProgress | undefined;
    await waitFor(`${group} to replay what the log held`, async () => {
      progress = (await admin('GET', `/${group}/rebuild`)).body as RebuildProgress;
      return progress.state === 'done';
    });
    return progress as RebuildProgress;
  };

  beforeAll(async () => {
    const kafka = plainKafka('nurt-test-rebuild').admin();
    await kafka.connect();
    await kafka.createTopics({ topics: [{ topic: retainedTopic, numPartitions: 1 }], waitForLeaders: true });
    await kafka.disconnect();
    scratch = await createScratchDatabase('nurt_rebuild');
    db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    ({ app, url } = await startServiceApp({
      name: `rebuild-${run}`,
      services: [reportingAndRetained],
      groupSuffix: suffix,
      databaseUrl: scratch.url,
      env: { NURT_ADMIN_TOKEN: TOKEN, KAFKA_LAG_INTERVAL_MS: '500' },
    }));
  });

  afterAll(async () => {
    await app?.close();
    await db?.end();
    await scratch?.drop();
    const kafka = plainKafka('nurt-test-rebuild').admin();
    await kafka.connect();
    await kafka.deleteTopics({ topics: [retainedTopic] }).catch(() => undefined);
    await kafka.disconnect();
  });

  it('refuses a request without the token (401) and one with a wrong token (403)', async () => {
    expect((await admin('POST', '/reporting/rebuild', {}, {})).status).toBe(401);
    const wrong = await admin('POST', '/reporting/rebuild', {}, { authorization: 'Bearer not-the-token-at-all' });
    expect(wrong).toEqual({ status: 403, body: expect.objectContaining({ statusCode: 403 }) as unknown });
    expect((await admin('GET', '')).status).toBe(200);
  });

  it('says what is wrong with a bad request, and which groups there are', async () => {
    const bad = await admin('POST', '/reporting/rebuild', { from: 'yesterday' });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toMatch(/from must be "earliest" or an ISO 8601 time/);
    const unknown = await admin('POST', '/nope/rebuild', {});
    expect(unknown.status).toBe(404);
    expect((unknown.body as { message: string }).message).toContain(
      `no consumer group nope in this process (it runs reporting, ${RETAINED})`,
    );
  });

  it('rebuilds a view corrupted in PostgreSQL to exactly what the log builds, each transaction applied once', async () => {
    const startedAt = new Date(Date.now() - 5_000);
    await app.get(KafkaProducer).sendBatch(txs.map((t) => ({ topic: Topics.Transactions, key: t.store, value: t })));
    const count = async (): Promise<number> =>
      Number(
        (
          await db.query<{ n: string }>(
            'SELECT coalesce(sum(count), 0) AS n FROM reporting.sales_stats WHERE window_kind = $1 AND store = ANY($2::text[])',
            ['total', stores],
          )
        ).rows[0]?.n,
      );
    await waitFor('reporting to count every transaction', async () => (await count()) === txs.length);
    const fresh = await view();
    expect(fresh.length).toBeGreaterThan(stores.length);

    // Corrupt it: a count and a sum changed, a store's rows gone, a row that no transaction made.
    await db.query(`UPDATE reporting.sales_stats SET count = count + 7, sum = sum * 2 WHERE store = $1`, [stores[0]]);
    await db.query(`DELETE FROM reporting.sales_stats WHERE store = $1`, [stores[1]]);
    await db.query(
      `INSERT INTO reporting.sales_stats VALUES ($1, 'purchase', 'total', 'epoch', 1, 1, 1, 1)
       ON CONFLICT DO NOTHING`,
      [stores[2] + '-ghost'],
    );
    expect(await view()).not.toEqual(fresh);

    // As an operator would: npm run rebuild, which calls the app and follows the progress.
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        '--import',
        'tsx',
        'tools/groups/rebuild.ts',
        '--group',
        'reporting',
        '--from',
        startedAt.toISOString(),
        '--url',
        url,
      ],
      { cwd: repoRoot, env: { ...process.env, NURT_ADMIN_TOKEN: TOKEN }, timeout: 90_000 },
    );
    expect(stdout).toMatch(
      /^rebuild: reporting rewound on transactions \(from .+\) and its view cleared; replaying \d+ records$/m,
    );
    expect(stdout).toMatch(/^rebuild: reporting done: \d+ records replayed in [\d.]+ s$/m);
    const done = (await admin('GET', '/reporting/rebuild')).body as RebuildProgress;
    expect(done).toMatchObject({ group: 'reporting', state: 'done', from: startedAt.toISOString() });
    expect(done.records).toBeGreaterThanOrEqual(txs.length);
    expect(done.replayed).toBe(done.records);

    expect(await view()).toEqual(fresh);
    const ghost = await db.query('SELECT 1 FROM reporting.sales_stats WHERE store = $1', [stores[2] + '-ghost']);
    expect(ghost.rowCount).toBe(0);
    const claims = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM reporting.applied_events WHERE id LIKE $1',
      [`${run}-%`],
    );
    expect(Number(claims.rows[0]?.n)).toBe(txs.length);
    const health = await getJson<{ checks: { kafka: { consumerGroups: Record<string, { state: string }> } } }>(
      `${url}/health`,
    );
    expect(health.checks.kafka.consumerGroups.reporting?.state).toBe('consuming');
  });

  it('refuses to rebuild from a log that lost records to retention, naming where, unless forced', async () => {
    const producer = plainKafka('nurt-test-rebuild').producer();
    await producer.connect();
    await producer.send({
      topic: retainedTopic,
      messages: Array.from({ length: 10 }, (_, n) => ({ key: 'k', value: JSON.stringify({ n }) })),
    });
    await producer.disconnect();
    await waitFor('the test group to see all 10', () => seen.length === 10);
    const kafka = plainKafka('nurt-test-rebuild').admin();
    await kafka.connect();
    try {
      // As retention would: the first four records of the partition are gone.
      await kafka.fetchTopicMetadata({ topics: [retainedTopic] });
      await kafka.deleteTopicRecords({ topic: retainedTopic, partitions: [{ partition: 0, offset: '4' }] });
    } finally {
      await kafka.disconnect();
    }

    const refused = await admin('POST', `/${RETAINED}/rebuild`, {});
    expect(refused.status).toBe(409);
    expect((refused.body as { message: string }).message).toContain(`${retainedTopic}/0 starts at offset 4`);
    expect(seen).toHaveLength(10); // refused: the view was left as it was

    expect((await admin('POST', `/${RETAINED}/rebuild`, { force: true })).status).toBe(202);
    const done = await rebuilt(RETAINED);
    expect(done.records).toBe(6);
    expect([...seen].sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9]);
  });
});

describe('the admin endpoints without NURT_ADMIN_TOKEN (real broker)', () => {
  let app: NestFastifyApplication;
  let port: string;
  // An address of this machine that is not loopback: a client there is "not on this machine" to the app.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && !i.internal && i.family === 'IPv4')?.address;

  beforeAll(async () => {
    const started = await startServiceApp({
      name: `rebuild-open-${run}`,
      services: [reporting],
      groupSuffix: `${suffix}-open`,
      host: '0.0.0.0',
      env: { NURT_ADMIN_TOKEN: '' },
    });
    app = started.app;
    port = new URL(started.url).port;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers a loopback client, and refuses one from another address with 403 saying why', async () => {
    if (external === undefined) throw new Error('this test needs a non-loopback IPv4 interface on the machine');
    const post = (host: string): Promise<Response> =>
      fetch(`http://${host}:${port}/admin/groups/reporting/rebuild`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'yesterday' }),
      });
    // From loopback the request gets as far as validation.
    expect((await post('127.0.0.1')).status).toBe(400);
    const refused = await post(external);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /loopback clients only while NURT_ADMIN_TOKEN is unset/,
    );
  });
});
