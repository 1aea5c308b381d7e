/**
 * The anti-fraud group judges in event time, whatever order the partitions deliver in: the
 * repository on a real embedded PostgreSQL (PGlite), fed the batches two store-keyed partitions
 * would deliver, interleaved in different ways.
 */
import type { Transaction } from '@nurt/contracts';
import {
  loadDatabaseEnv,
  migrate,
  PgliteDatabase,
  RetentionSchedule,
  type Database,
  type DeliveredEvent,
} from '@nurt/database';
import { FraudEnv } from '../libs/fraud/src/fraud.config.js';
import { fraudMigrations } from '../libs/fraud/src/fraud.migrations.js';
import { FraudRepository, type RecordedBatch } from '../libs/fraud/src/fraud.repository.js';
import { sleep } from './support/wait.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
const tx = (id: string, store: string, type: Transaction['type'], amount: number, minutes: number): Transaction => ({
  id,
  amount,
  currency: 'PLN',
  store,
  type,
  customerId: 'fraudster',
  occurredAt: at(minutes),
});

// Partition 0 holds Warsaw: nine purchases a day apart, then 5,000 at 09:70. Partition 1 holds
// Gdansk: a withdrawal five minutes after the big purchase, then a refund with no purchase there.
const warsaw = [
  ...[95, 110, 100, 90, 105, 100, 98, 104, 97].map((a, i) => tx(`h${i}`, 'Warsaw', 'purchase', a, (i - 9) * 1440)),
  tx('big', 'Warsaw', 'purchase', 5000, 70),
];
const gdansk = [tx('far', 'Gdansk', 'withdrawal', 100, 75), tx('refund', 'Gdansk', 'refund', 300, 300)];
const EXPECTED = ['big:amount-zscore', 'far:distant-cities', 'refund:refund-without-purchase'];

/** The batch a partition delivers: `records` at their offsets from `first`, read while the partition ended at `end`. */
function batch(partition: number, records: readonly Transaction[], first: number, end: number): RecordedBatch {
  const delivered: DeliveredEvent<Transaction>[] = records.map((value, i) => ({
    partition,
    offset: String(first + i),
    value,
  }));
  return { partition, highWatermark: String(end), records: delivered };
}

describe('anti-fraud judges in event time (FraudRepository on PGlite)', () => {
  let db: Database;

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await migrate(db, fraudMigrations);
  });

  /** A repository on empty tables, judging with FRAUD_LATENESS_S = `lateness`. */
  async function repository(lateness: number): Promise<FraudRepository> {
    await db.exec('TRUNCATE fraud.customer_events, fraud.stream_progress, fraud.applied_events, fraud.alerts');
    return new FraudRepository(db, Object.assign(new FraudEnv(), { FRAUD_LATENESS_S: lateness }));
  }

  async function alertIds(): Promise<string[]> {
    return (await db.query<{ id: string }>('SELECT id FROM fraud.alerts ORDER BY id')).map((r) => r.id);
  }

  afterAll(async () => {
    await db?.close();
  });

  it('raises the same alerts whichever partition is read first', async () => {
    for (const order of [
      [batch(0, warsaw, 0, 10), batch(1, gdansk, 0, 2)],
      [batch(1, gdansk, 0, 2), batch(0, warsaw, 0, 10)],
    ]) {
      const repo = await repository(0);
      for (const b of order) await repo.record(b);
      expect(await repo.judgeReady(100)).toEqual({ judged: 12, raised: 3 });
      expect(await alertIds()).toEqual(EXPECTED);
      expect(await repo.pending()).toEqual({ transactions: 0, oldestOccurredAt: null });
    }
  });

  it('holds back what is later than a partition still being read, and judges it once that partition caught up', async () => {
    const repo = await repository(0);
    // Partition 0 delivers its first 5 of 10 records; partition 1 all of its records.
    await repo.record(batch(0, warsaw.slice(0, 5), 0, 10));
    await repo.record(batch(1, gdansk, 0, 2));
    // Only what is not later than partition 0's event time may be judged: its own five.
    expect(await repo.judgeReady(100)).toEqual({ judged: 5, raised: 0 });
    expect((await repo.pending()).transactions).toBe(2);
    await repo.record(batch(0, warsaw.slice(5), 5, 10));
    expect(await repo.judgeReady(100)).toEqual({ judged: 7, raised: 3 });
    expect(await alertIds()).toEqual(EXPECTED);
  });

  it('judges a page at a time in event order, with the same result', async () => {
    const repo = await repository(0);
    await repo.record(batch(1, gdansk, 0, 2));
    await repo.record(batch(0, warsaw, 0, 10));
    let judged = 0;
    for (let page = await repo.judgeReady(3); page.judged > 0; page = await repo.judgeReady(3)) judged += page.judged;
    expect(judged).toBe(12);
    expect(await alertIds()).toEqual(EXPECTED);
  });

  it('stops waiting for a partition whose reader went quiet', async () => {
    const repo = await repository(0);
    await repo.record(batch(0, warsaw.slice(0, 5), 0, 10));
    await repo.record(batch(1, gdansk, 0, 2));
    expect((await repo.judgeReady(100)).judged).toBe(5);
    await db.query(`UPDATE fraud.stream_progress SET updated_at = now() - interval '31 seconds' WHERE partition = 0`);
    expect((await repo.judgeReady(100)).judged).toBe(2);
  });

  it('waits FRAUD_LATENESS_S after recording, for an earlier transaction still on its way from another partition', async () => {
    const repo = await repository(1);
    await repo.record(batch(1, gdansk, 0, 2));
    expect(await repo.judgeReady(100)).toEqual({ judged: 0, raised: 0 });
    await repo.record(batch(0, warsaw, 0, 10));
    await sleep(1100);
    expect(await repo.judgeReady(100)).toEqual({ judged: 12, raised: 3 });
    expect(await alertIds()).toEqual(EXPECTED);
  });

  it('keeps a transaction older than the history window until it is judged, then prunes it', async () => {
    const repo = await repository(0);
    const retention = new RetentionSchedule(db, loadDatabaseEnv({}));
    retention.register({
      table: 'fraud.customer_events',
      column: 'occurred_at',
      keepMs: repo.historyKeptForMs(),
      onlyIf: 'judged',
    });
    const ancient = { ...tx('ancient', 'Warsaw', 'purchase', 10, 0), occurredAt: '2020-01-01T00:00:00.000Z' };
    await repo.record(batch(0, [ancient], 0, 1));
    await retention.pruneNow();
    expect((await repo.pending()).transactions).toBe(1);
    expect((await repo.judgeReady(100)).judged).toBe(1);
    await retention.pruneNow();
    expect(await db.query('SELECT 1 FROM fraud.customer_events')).toEqual([]);
  });

  it('records a redelivered batch once and never judges a transaction twice', async () => {
    const repo = await repository(0);
    expect(await repo.record(batch(0, warsaw, 0, 10))).toBe(10);
    expect(await repo.judgeReady(100)).toEqual({ judged: 10, raised: 1 });
    expect(await repo.record(batch(0, warsaw, 0, 10))).toBe(0);
    expect(await repo.judgeReady(100)).toEqual({ judged: 0, raised: 0 });
    expect(await alertIds()).toEqual(['big:amount-zscore']);
  });
});
