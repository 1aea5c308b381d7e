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
import { generateFraudTraffic, type CustomerTransaction } from '@nurt/transactions';
import type { Alert, CustomerEvent } from '../libs/fraud/src/fraud.evaluation.js';
import { judgeInMemory } from '../tools/eval/fraud-offline.js';
import {
  distantCities,
  eventOrder,
  isSpending,
  refundWithoutPurchase,
  unusualAmount,
  velocity,
} from '../libs/fraud/src/fraud.rules.js';
import { travelWindowMs } from '../libs/fraud/src/fraud.rules.js';
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
  async function repository(lateness: number, overrides: Partial<FraudEnv> = {}): Promise<FraudRepository> {
    await db.exec('TRUNCATE fraud.customer_events, fraud.stream_progress, fraud.applied_events, fraud.alerts');
    return new FraudRepository(db, Object.assign(new FraudEnv(), overrides, { FRAUD_LATENESS_S: lateness }));
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

  it('still sees the store a trip started from when the amounts it loads are all newer', async () => {
    // Warsaw, then twelve purchases and withdrawals at a store with no location (an online shop)
    // a minute and more apart, then Gdansk, 340 km from Warsaw, 25 minutes after it: too fast.
    // Judged five at a time, Warsaw is long before the page with Gdansk and older than the
    // newest three amounts of each type the rules load; it must come from the travel window.
    const online = Array.from({ length: 12 }, (_, i) =>
      tx(`o${i}`, 'Online', i % 2 ? 'withdrawal' : 'purchase', 40, 1 + i * 1.5),
    );
    const trip = [tx('w', 'Warsaw', 'purchase', 50, 0), ...online, tx('g', 'Gdansk', 'purchase', 60, 25)];
    const repo = await repository(0, { FRAUD_AMOUNT_HISTORY: 3, FRAUD_AMOUNT_MIN_HISTORY: 3 });
    await repo.record(batch(0, trip, 0, trip.length));
    for (let page = await repo.judgeReady(5); page.judged > 0; page = await repo.judgeReady(5));
    expect(await alertIds()).toEqual(['g:distant-cities']);
  });

  it('judges from a bounded history exactly what a scan of the whole history raises, a page at a time', async () => {
    // Labelled shopping with every kind of incident, and a customer buying every 20 s for six hours
    // in two cities (the repository's worst case before its history was bounded): the history the repository loads is bounded (the velocity window, the newest
    // per store and per type, the refunds' purchases), the reference below reads all of it.
    const start = Date.UTC(2026, 10, 2);
    const traffic = generateFraudTraffic({ seed: 5, customers: 80, days: 10, incidentsPerKind: 3, start, prefix: 'B' });
    // Every 20 s, with a burst of ten within 27 s every 150, and every 100th a refund where it never shops.
    const heavy: CustomerTransaction[] = Array.from({ length: 1080 }, (_, i) => ({
      id: `B-heavy-${String(i).padStart(4, '0')}`,
      customerId: 'B-heavy',
      amount: i % 97 === 0 ? 4000 : 20 + (i % 13),
      currency: 'PLN',
      store: i % 100 === 50 ? 'Gdansk' : i % 240 < 120 ? 'Warsaw' : 'Krakow',
      type: i % 50 === 0 ? 'refund' : i % 7 === 0 ? 'withdrawal' : 'purchase',
      occurredAt: new Date(
        start + 5 * 86_400_000 + (i % 150 < 10 ? (i - (i % 150)) * 20_000 + (i % 150) * 3_000 : i * 20_000),
      ).toISOString(),
    }));
    const all = [...traffic.transactions, ...heavy].sort(
      (a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    // The defaults, and a short amount history, with which the newest transaction at a store is
    // often older than the amounts loaded and must come from the travel window's part of the query.
    for (const overrides of [{}, { FRAUD_AMOUNT_HISTORY: 3, FRAUD_AMOUNT_MIN_HISTORY: 3 }]) {
      const env = Object.assign(new FraudEnv(), overrides, { FRAUD_LATENESS_S: 0 });
      const expected = scanWholeHistory(all, env);
      expect(expected.filter((a) => a.customerId === 'B-heavy').map((a) => a.rule)).toEqual(
        expect.arrayContaining(['velocity', 'distant-cities', 'amount-zscore', 'refund-without-purchase']),
      );

      const repo = await repository(0, overrides);
      await repo.record(batch(0, all, 0, all.length));
      let judged = 0;
      for (let page = await repo.judgeReady(31); page.judged > 0; page = await repo.judgeReady(31))
        judged += page.judged;
      expect(judged).toBe(all.length);
      const stored = await db.query<{ id: string; score: number; evidence: unknown }>(
        'SELECT id, score, evidence FROM fraud.alerts',
      );
      const byId = (x: { id: string }, y: { id: string }): number => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
      expect(stored.map((r) => ({ id: r.id, score: Number(r.score), evidence: r.evidence })).sort(byId)).toEqual(
        expected.map((x) => ({ id: x.id, score: x.score, evidence: x.evidence })).sort(byId),
      );
      // The walk in memory agrees too, on the whole history as one page (what eval:fraud runs).
      expect(judgeInMemory(all, env)).toEqual(expected);
    }
  });
});

const toEvent = (t: CustomerTransaction): CustomerEvent => ({
  customerId: t.customerId,
  transactionId: t.id,
  at: Date.parse(t.occurredAt),
  store: t.store,
  type: t.type,
  amount: t.amount,
});

/**
 * The rules as first written: for each transaction, scan its customer's whole history back to the
 * look-back, collecting what each rule needs. Slow (quadratic in a customer's history), obviously
 * right, and the reference the bounded history and the walk of `judge` must agree with.
 */
function scanWholeHistory(transactions: readonly CustomerTransaction[], env: FraudEnv): Alert[] {
  const events = transactions.map(toEvent).sort(eventOrder);
  const lookback = env.FRAUD_REFUND_LOOKBACK_DAYS * 86_400_000;
  const velocityWindow = env.FRAUD_VELOCITY_WINDOW_S * 1000;
  const travel = travelWindowMs(env);
  const raised = new Map<string, { transactionId: string; rule: string; at: number }[]>();
  const alerts: Alert[] = [];
  events.forEach((tx, end) => {
    let count = 1;
    const nearby: CustomerEvent[] = [];
    const usual: number[] = [];
    const purchases: CustomerEvent[] = [];
    for (let i = end - 1; i >= 0; i--) {
      const e = events[i];
      if (e.customerId !== tx.customerId) continue;
      const age = tx.at - e.at;
      if (age > lookback) break;
      if (age < velocityWindow) count++;
      if (age <= travel) nearby.push(e);
      if (e.type === tx.type && isSpending(e.type) && usual.length < env.FRAUD_AMOUNT_HISTORY) usual.push(e.amount);
      if (e.type === 'purchase') purchases.push(e);
    }
    usual.reverse();
    const prior = raised.get(tx.customerId) ?? [];
    const within = (rule: string, ms: number): boolean => prior.some((a) => a.rule === rule && tx.at - a.at < ms);
    for (const hit of [
      unusualAmount(tx, usual, env),
      velocity(count, within('velocity', velocityWindow), env),
      distantCities(tx, nearby, within('distant-cities', travel), env),
      refundWithoutPurchase(tx, purchases, env),
    ]) {
      if (!hit) continue;
      prior.push({ transactionId: tx.transactionId, rule: hit.rule, at: tx.at });
      raised.set(tx.customerId, prior);
      alerts.push({
        id: `${tx.transactionId}:${hit.rule}`,
        customerId: tx.customerId,
        transactionId: tx.transactionId,
        rule: hit.rule,
        score: hit.score,
        evidence: hit.evidence,
        occurredAt: new Date(tx.at).toISOString(),
      });
    }
  });
  return alerts;
}
