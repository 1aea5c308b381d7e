import { ConsumerGroups, Topics, type Transaction } from '@nurt/contracts';
import { KafkaProducer, loadKafkaEnv } from '@nurt/kafka';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { groupLag, plainKafka, startGroupAtEnd } from './support/kafka.js';
import { freePort } from './support/net.js';
import { makeTransactions, runStores } from './support/pipeline.js';
import { startBuiltApp, waitForHttp, type AppProcess } from './support/process.js';
import { runId, sleep, waitFor } from './support/wait.js';

const GROUP = ConsumerGroups.Reporting;
const cents = (n: number): number => Math.round(n * 100);

/** What an uninterrupted run computes: count and sum per store, from the produced transactions. */
function expectedView(txs: readonly Transaction[]): Record<string, { count: number; sum: number }> {
  const view: Record<string, { count: number; sum: number }> = {};
  for (const t of txs) {
    const v = (view[t.store] ??= { count: 0, sum: 0 });
    v.count += 1;
    v.sum += cents(t.amount);
  }
  return view;
}

/** The reporting schema's total rows, read straight from the database the workers share. */
async function actualView(
  db: pg.Client,
  stores: readonly string[],
): Promise<Record<string, { count: number; sum: number }>> {
  const { rows } = await db.query<{ store: string; count: string; sum: string }>(
    `SELECT store, sum(count) AS count, sum(sum) AS sum FROM reporting.sales_stats
     WHERE window_kind = 'total' AND store = ANY($1::text[]) GROUP BY store`,
    [stores],
  );
  return Object.fromEntries(
    rows.map((r) => [r.store, { count: Number(r.count), sum: Math.round(Number(r.sum) * 100) }]),
  );
}

async function appliedCount(db: pg.Client, run: string): Promise<number> {
  try {
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM reporting.applied_events WHERE id LIKE $1',
      [`${run}-%`],
    );
    return Number(rows[0]?.n ?? 0);
  } catch {
    return 0; // the schema is not migrated until the first worker starts
  }
}

async function groupMembers(groupId: string): Promise<number[][]> {
  const admin = plainKafka('nurt-test-admin').admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((m) => {
      const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      return [...(decoded?.assignment[Topics.Transactions] ?? [])].sort((a, b) => a - b);
    });
  } finally {
    await admin.disconnect();
  }
}

describe('reporting workers as processes (node dist/apps/reporting/main.js, PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let db: pg.Client;
  let producer: KafkaProducer;
  const workers: AppProcess[] = [];

  async function startWorker(suffix: string): Promise<AppProcess> {
    const worker = startBuiltApp('reporting', await freePort(), {
      DATABASE_URL: scratch.url,
      KAFKA_GROUP_SUFFIX: suffix,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    });
    workers.push(worker);
    try {
      await waitForHttp(`${worker.url}/health`, 200, 90_000);
    } catch (err: unknown) {
      throw new Error(`${String(err)}\n${worker.output()}`, { cause: err });
    }
    return worker;
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase('nurt_workers');
    db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    producer = KafkaProducer.standalone(loadKafkaEnv(), 'workers-test');
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await producer?.onApplicationShutdown();
    await db?.end();
    await scratch?.drop();
  });

  /** Produces the transactions in batches of 100, paced so that a worker is mid-stream for a while. */
  async function stream(txs: readonly Transaction[], pauseMs = 50): Promise<void> {
    for (let i = 0; i < txs.length; i += 100) {
      await producer.sendBatch(
        txs.slice(i, i + 100).map((tx) => ({ topic: Topics.Transactions, key: tx.store, value: tx })),
      );
      await sleep(pauseMs);
    }
  }

  it('kill -9 mid-stream, restart: the final view equals an uninterrupted run; SIGTERM drains and commits', async () => {
    const run = runId();
    const suffix = `-crash-${run}`;
    const stores = runStores(run, 12);
    const txs = makeTransactions(run, 3000, stores, 50);
    await startGroupAtEnd(`${GROUP}${suffix}`, Topics.Transactions);

    const first = await startWorker(suffix);
    const producing = stream(txs);
    await waitFor('the worker to be mid-stream', async () => (await appliedCount(db, run)) > 300, 60_000);
    expect(await first.stop('SIGKILL')).toBeNull();
    const atCrash = await appliedCount(db, run);
    expect(atCrash).toBeLessThan(txs.length);

    // Its uncommitted offsets are redelivered to the next worker; applied ids make them no-ops.
    const second = await startWorker(suffix);
    await producing;
    await waitFor('the second worker to move on', async () => (await appliedCount(db, run)) > atCrash + 200, 60_000);
    expect(await second.stop('SIGTERM')).toBe(0);
    const atShutdown = await appliedCount(db, run);

    const third = await startWorker(suffix);
    await waitFor('every transaction applied', async () => (await appliedCount(db, run)) === txs.length, 120_000);
    await sleep(2000); // a double count, if any, would show by now
    expect(await appliedCount(db, run)).toBe(txs.length);
    expect(await actualView(db, stores)).toEqual(expectedView(txs));
    await waitFor(
      'the group to commit the end of the topic',
      async () => (await groupLag(`${GROUP}${suffix}`, Topics.Transactions)) === 0,
    );
    expect(atShutdown).toBeGreaterThan(atCrash);
    expect(await third.stop('SIGTERM')).toBe(0);
  });

  it('two instances split the partitions; stop one and the other takes them over and finishes the stream', async () => {
    const run = runId();
    const suffix = `-scale-${run}`;
    const groupId = `${GROUP}${suffix}`;
    const stores = runStores(run, 12);
    const txs = makeTransactions(run, 2000, stores, 50);
    await startGroupAtEnd(groupId, Topics.Transactions);

    const a = await startWorker(suffix);
    const b = await startWorker(suffix);
    await waitFor(
      'two members sharing the six partitions',
      async () => {
        const members = await groupMembers(groupId);
        return members.length === 2 && members.every((p) => p.length > 0) && members.flat().length === 6;
      },
      60_000,
    );
    const split = await groupMembers(groupId);
    expect(split.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);

    const producing = stream(txs.slice(0, 1000), 20);
    await waitFor(
      'both halves of the stream to be in progress',
      async () => (await appliedCount(db, run)) > 200,
      60_000,
    );
    expect(await a.stop('SIGTERM')).toBe(0);
    await producing;
    await stream(txs.slice(1000), 20);

    await waitFor(
      'the survivor to own every partition',
      async () => {
        const members = await groupMembers(groupId);
        return members.length === 1 && members[0]?.length === 6;
      },
      60_000,
    );
    await waitFor(
      'the survivor to finish the stream',
      async () => (await appliedCount(db, run)) === txs.length,
      120_000,
    );
    expect(await actualView(db, stores)).toEqual(expectedView(txs));
    expect(await b.stop('SIGTERM')).toBe(0);
  });
});
