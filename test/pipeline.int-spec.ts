import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConsumerGroups, Topics } from '@nurt/contracts';
import { DATABASE, type Database } from '@nurt/database';
import { KafkaProducer } from '@nurt/kafka';
import { ReportingModule, type SalesReportDto } from '@nurt/reporting';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { getJson, makeTransactions, runStores, seedGroups, startPipelineApp } from './support/pipeline.js';
import { runId, sleep, waitFor } from './support/wait.js';

const run = runId();
const suffix = `-it-${run}`;
const GROUPS = [ConsumerGroups.Reporting];
const stores = runStores(run, 12);
const N = 240;
const txs = makeTransactions(run, N, stores, 30);
const cents = (n: number): number => Math.round(n * 100);
const producedSum = txs.reduce((s, t) => s + cents(t.amount), 0) / 100;

describe('pipeline: consumer groups build their views from one log (real broker, PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let app: NestFastifyApplication;
  let url: string;
  let db: Database;

  /** Sum and count over this run's stores, as GET /reports/sales answers. */
  async function reported(): Promise<{ count: number; sum: number }> {
    const report = await getJson<SalesReportDto>(`${url}/reports/sales?window=total&limit=5000`);
    const mine = report.groups.filter((g) => stores.includes(g.store));
    return { count: mine.reduce((n, g) => n + g.count, 0), sum: mine.reduce((s, g) => s + cents(g.sum), 0) / 100 };
  }

  async function appliedIds(schema: string): Promise<string[]> {
    const rows = await db.query<{ id: string }>(
      `SELECT id FROM ${schema}.applied_events WHERE id LIKE $1 ORDER BY seq`,
      [`${run}-%`],
    );
    return rows.map((r) => r.id);
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase('nurt_pipeline');
    await seedGroups(GROUPS, suffix, [Topics.Transactions]);
    ({ app, url } = await startPipelineApp({
      name: `pipeline-${run}`,
      features: [ReportingModule],
      groups: GROUPS,
      groupSuffix: suffix,
      databaseUrl: scratch.url,
    }));
    db = app.get<Database>(DATABASE);
  });

  afterAll(async () => {
    await app?.close();
    await scratch?.drop();
  });

  it('fans out: N produced, each group applied exactly N, and reporting totals equal what was produced', async () => {
    const producer = app.get(KafkaProducer);
    await producer.sendBatch(txs.map((tx) => ({ topic: Topics.Transactions, key: tx.store, value: tx })));
    await waitFor('reporting to apply every transaction', async () => (await reported()).count === N, 60_000);
    expect(await reported()).toEqual({ count: N, sum: producedSum });
    expect(await appliedIds('reporting')).toHaveLength(N);
  });

  it('applies a redelivered transaction once: the same ids produced again change nothing', async () => {
    const producer = app.get(KafkaProducer);
    const again = txs.slice(0, 40);
    const marker = { ...txs[0], id: `${run}-marker`, store: stores[0] ?? '' };
    await producer.sendBatch(
      [...again, marker].map((tx) => ({ topic: Topics.Transactions, key: tx.store, value: tx })),
    );
    // The marker sits behind the duplicates on its partition; once it is applied, so are they.
    await waitFor('the marker', async () => (await reported()).count === N + 1, 30_000);
    await sleep(1000);
    expect(await reported()).toEqual({ count: N + 1, sum: (cents(producedSum) + cents(marker.amount ?? 0)) / 100 });
  });

  it('sees one store in the order it was produced', async () => {
    const store = stores[3] ?? '';
    const produced = txs.filter((t) => t.store === store).map((t) => t.id);
    const applied = (await appliedIds('reporting')).filter((id) => produced.includes(id));
    expect(applied).toEqual(produced);
  });

  it('reports per store and type, and in minute and hour windows by event time', async () => {
    const store = stores[1] ?? '';
    const mine = txs.filter((t) => t.store === store);
    const total = await getJson<SalesReportDto>(`${url}/reports/sales?store=${store}`);
    expect(total.groups).toHaveLength(1);
    const group = total.groups[0];
    expect(group?.count).toBe(mine.length);
    const purchases = mine.filter((t) => t.type === 'purchase').map((t) => t.amount);
    expect(group?.byType.purchase).toEqual({
      count: purchases.length,
      sum: purchases.reduce((s, a) => s + cents(a), 0) / 100,
      average: Math.round((purchases.reduce((s, a) => s + a, 0) / purchases.length) * 100) / 100,
      min: Math.min(...purchases),
      max: Math.max(...purchases),
    });

    // 240 transactions one second apart from 12:00:00: minutes 12:00..12:03 hold 60 each (5 per store).
    const minutes = await getJson<SalesReportDto>(`${url}/reports/sales?store=${store}&window=minute`);
    expect(minutes.groups.map((g) => [g.windowStart, g.count])).toEqual([
      ['2026-11-24T12:03:00.000Z', 5],
      ['2026-11-24T12:02:00.000Z', 5],
      ['2026-11-24T12:01:00.000Z', 5],
      ['2026-11-24T12:00:00.000Z', 5],
    ]);
    const hours = await getJson<SalesReportDto>(`${url}/reports/sales?store=${store}&window=hour`);
    expect(hours.groups.map((g) => [g.windowStart, g.count])).toEqual([['2026-11-24T12:00:00.000Z', mine.length]]);
  });

  it('answers 400 naming the parameter for a bad window', async () => {
    const res = await fetch(`${url}/reports/sales?window=week`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('window');
  });
});
