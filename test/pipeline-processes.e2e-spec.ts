import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsumerGroups, Topics, type Transaction } from '@nurt/contracts';
import { KafkaProducer, loadKafkaEnv } from '@nurt/kafka';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { groupLag, plainKafka, startGroupAtEnd } from './support/kafka.js';
import { freePort } from './support/net.js';
import { getJson, makeTransactions, runStores } from './support/pipeline.js';
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

interface GroupHealth {
  checks: { kafka: { consumerGroups?: Record<string, { state: string; partitions: Record<string, number[]> }> } };
}

async function groupState(
  worker: AppProcess,
): Promise<{ state: string; partitions: Record<string, number[]> } | undefined> {
  const res = await fetch(`${worker.url}/health`).catch(() => undefined);
  if (!res) return undefined;
  return ((await res.json()) as GroupHealth).checks.kafka.consumerGroups?.[GROUP];
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

  async function startWorker(
    suffix: string,
    env: Record<string, string> = {},
    readyPath = '/health',
  ): Promise<AppProcess> {
    const worker = startBuiltApp('reporting', await freePort(), {
      DATABASE_URL: scratch.url,
      KAFKA_GROUP_SUFFIX: suffix,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      ...env,
    });
    workers.push(worker);
    try {
      await waitForHttp(`${worker.url}${readyPath}`, 200, 90_000);
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
    // After the rebalance, /health shows the group consuming again, with every partition.
    await waitFor('the survivor to say it consumes all six', async () => {
      const state = await groupState(b);
      return state?.state === 'consuming' && state.partitions[Topics.Transactions]?.length === 6;
    });
    expect(await b.stop('SIGTERM')).toBe(0);
  });

  it('kill -9 between the database commit and the offset commit: the batch comes again and changes nothing; the restarted worker answers HTTP before it rejoins', async () => {
    const run = runId();
    const suffix = `-window-${run}`;
    const groupId = `${GROUP}${suffix}`;
    // One store, so one partition: its batches are applied one after another.
    const [store = ''] = runStores(run, 1);
    const txs = makeTransactions(run, 400, [store], 20);
    await startGroupAtEnd(groupId, Topics.Transactions);
    const fast = { KAFKA_SESSION_TIMEOUT_MS: '8000', KAFKA_HEARTBEAT_INTERVAL_MS: '1000' };
    const first = await startWorker(suffix, fast);
    await waitFor('the group to be consuming', async () => (await groupState(first))?.state === 'consuming', 60_000);

    // Test scaffolding in this test's own database: the worker's COMMIT waits for a lock the test
    // holds (a deferred trigger runs at commit time), so the test can freeze the worker while its
    // COMMIT is in the server's hands, then let the server finish it. The answer to COMMIT, and
    // with it the offset commit that follows, never comes: that is the crash window.
    const LOCK = 4242;
    const holder = new pg.Client({ connectionString: scratch.url });
    await holder.connect();
    await db.query(`CREATE FUNCTION public.hold_commit() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM pg_advisory_xact_lock(${LOCK}); RETURN NULL; END $$`);
    // Only a transaction that touches this test's store waits: other suites write other stores to
    // the shared topic meanwhile, and this worker applies their batches too.
    await db.query(`CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT OR UPDATE ON reporting.sales_stats
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.store = ${db.escapeLiteral(store)})
      EXECUTE FUNCTION public.hold_commit()`);
    await holder.query('SELECT pg_advisory_lock($1)', [LOCK]);
    try {
      await producer.sendBatch(
        txs.slice(0, 200).map((tx) => ({ topic: Topics.Transactions, key: tx.store, value: tx })),
      );
      await waitFor('the worker COMMIT to wait for the lock', async () => {
        const { rows } = await db.query<{ n: string }>(
          // This database only: another suite's COMMIT waiting on a lock is not the worker's.
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query = 'COMMIT'`,
        );
        return Number(rows[0]?.n) > 0;
      });
      process.kill(first.child.pid as number, 'SIGSTOP');
      await holder.query('SELECT pg_advisory_unlock($1)', [LOCK]);
      try {
        await waitFor('the database commit', async () => (await appliedCount(db, run)) > 0, 30_000);
      } catch (err: unknown) {
        // What the database was doing, and what the worker said: enough to tell a slow machine from a stuck COMMIT.
        const activity = await db.query(
          `SELECT pid, state, wait_event_type, wait_event, left(query, 80) AS query, now() - xact_start AS in_transaction
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        throw new Error(`${String(err)}\n${JSON.stringify(activity.rows, null, 1)}\n${first.output()}`, { cause: err });
      }
      expect(await first.stop('SIGKILL')).toBeNull();
    } finally {
      await holder.end();
      await db.query('DROP TRIGGER hold_commit ON reporting.sales_stats; DROP FUNCTION public.hold_commit()');
    }
    const applied = await appliedCount(db, run);
    const { rows } = await db.query<{ partition: number; max: string }>(
      'SELECT partition, max("offset") AS max FROM reporting.applied_events WHERE id LIKE $1 GROUP BY partition',
      [`${run}-%`],
    );
    expect(rows).toHaveLength(1);
    const admin = plainKafka('nurt-test-admin').admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [Topics.Transactions] });
    await admin.disconnect();
    const next = committed?.partitions.find((p) => p.partition === rows[0]?.partition)?.offset;
    // The database holds records the group never committed in Kafka.
    expect(Number(rows[0]?.max)).toBeGreaterThanOrEqual(Number(next));

    // A restarted worker serves HTTP at once, while its group waits out the dead member's session.
    const started = Date.now();
    const second = await startWorker(suffix, fast, '/health/live');
    const answeredAfter = Date.now() - started;
    expect(['joining', 'rebalancing']).toContain((await groupState(second))?.state);
    await producer.sendBatch(txs.slice(200).map((tx) => ({ topic: Topics.Transactions, key: tx.store, value: tx })));
    await waitFor('every transaction applied', async () => (await appliedCount(db, run)) === txs.length, 120_000);
    await waitFor('no lag', async () => (await groupLag(groupId, Topics.Transactions)) === 0);
    expect(applied).toBeLessThan(txs.length);
    expect(await actualView(db, [store])).toEqual(expectedView(txs));
    expect(answeredAfter).toBeLessThan(20_000);
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('refuses a second process on the same PGlite folder, naming it, and leaves the first one running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nurt-pglite-'));
    const suffix = `-pglite-${runId()}`;
    try {
      const first = await startWorker(suffix, { DATABASE_URL: '', PGLITE_DIR: dir });
      const second = startBuiltApp('reporting', await freePort(), {
        DATABASE_URL: '',
        PGLITE_DIR: dir,
        KAFKA_GROUP_SUFFIX: suffix,
      });
      workers.push(second);
      expect(await second.exited()).toBe(1);
      expect(second.output()).toContain(`PGLITE_DIR: ${dir} is in use by process ${first.child.pid}`);
      expect(second.output()).toContain('DATABASE_URL');
      expect(second.output()).not.toMatch(/\n\s+at /);
      expect((await getJson<{ status: string }>(`${first.url}/health`)).status).toBe('up');
      expect(await first.stop('SIGTERM')).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
