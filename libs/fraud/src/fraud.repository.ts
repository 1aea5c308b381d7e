import { Inject, Injectable } from '@nestjs/common';
import { Topics, type FraudAlertEvent, type FraudRule, type Transaction } from '@nurt/contracts';
import { applyOnce, DATABASE, inLockOrder, type Database, type DeliveredEvent, type Queryable } from '@nurt/database';
import type { OutboxSource, ProduceRecord } from '@nurt/kafka';
import {
  DAY_MS,
  historyWindow,
  type BatchVerdict,
  type CustomerHistory,
  type CustomerTransaction,
  type KnownEvent,
} from './fraud.evaluation.js';
import type { FraudEnv } from './fraud.config.js';
import { FRAUD_ENV } from './fraud.constants.js';
import { FRAUD_SCHEMA } from './fraud.migrations.js';

interface AlertRow {
  id: string;
  customer_id: string;
  transaction_id: string;
  rule: FraudRule;
  score: number;
  evidence: Record<string, unknown> | string;
  occurred_at: Date | string;
  detected_at: Date | string;
}

const toEvent = (r: AlertRow): FraudAlertEvent => ({
  id: r.id,
  customerId: r.customer_id,
  transactionId: r.transaction_id,
  rule: r.rule,
  score: Number(r.score),
  evidence: typeof r.evidence === 'string' ? (JSON.parse(r.evidence) as Record<string, unknown>) : r.evidence,
  occurredAt: new Date(r.occurred_at).toISOString(),
  detectedAt: new Date(r.detected_at).toISOString(),
});

const hasCustomer = (tx: Transaction): tx is CustomerTransaction => tx.customerId !== undefined;

/** Two anti-fraud transactions on one customer (two partitions, two instances) take turns; others do not wait. */
const CUSTOMER_LOCK_SPACE = 0x66_72_64; // "frd"

export interface AlertFilter {
  readonly customerId?: string;
  readonly since?: Date;
  readonly limit: number;
}

@Injectable()
export class FraudRepository implements OutboxSource {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(FRAUD_ENV) private readonly env: FraudEnv,
  ) {}

  /**
   * Applies a batch once, in one database transaction: claims every id (one statement), loads what
   * the rules need to know of the batch's customers (a few statements for all of them), lets
   * `evaluate` run the rules in memory, and writes its verdict (one statement per table). A
   * transaction without a customer is claimed like any other and scored by nothing. Returns the
   * number of alerts raised.
   */
  async apply(
    transactions: readonly DeliveredEvent<Transaction>[],
    evaluate: (
      txs: readonly CustomerTransaction[],
      histories: Map<string, CustomerHistory>,
      refundsMatched: ReadonlySet<string>,
    ) => BatchVerdict,
  ): Promise<number> {
    let raised = 0;
    await applyOnce(
      this.db,
      FRAUD_SCHEMA,
      transactions,
      (t) => t.value.id,
      async (q, fresh) => {
        const txs = fresh.map((t) => t.value).filter(hasCustomer);
        if (txs.length === 0) return;
        const customers = [...new Set(txs.map((t) => t.customerId))].sort();
        await this.lockCustomers(q, customers);
        const verdict = evaluate(txs, await this.histories(q, customers, txs), await this.refundsMatched(q, txs));
        await this.save(q, txs, verdict);
        raised = verdict.alerts.length;
      },
    );
    return raised;
  }

  /**
   * Serialises batches that touch the same customer (two partitions, or two instances, on one
   * PostgreSQL); sorted, so two batches never wait on each other in a cycle. PGlite belongs to one
   * process and runs one transaction at a time, so there nothing can interleave.
   */
  private async lockCustomers(q: Queryable, customers: readonly string[]): Promise<void> {
    if (this.db.kind === 'pglite') return;
    await q.query(`SELECT pg_advisory_xact_lock($1, hashtext(c)) FROM unnest($2::text[]) AS c`, [
      CUSTOMER_LOCK_SPACE,
      customers,
    ]);
  }

  private async histories(
    q: Queryable,
    customers: readonly string[],
    txs: readonly Transaction[],
  ): Promise<Map<string, CustomerHistory>> {
    const { from, to } = historyWindow(txs, this.env);
    const [stats, events, velocity] = [
      await q.query<{ customer_id: string; n: string; mean: number; m2: number }>(
        'SELECT customer_id, n, mean, m2 FROM fraud.amount_stats WHERE customer_id = ANY($1::text[])',
        [customers],
      ),
      await q.query<{
        customer_id: string;
        transaction_id: string;
        occurred_at: Date | string;
        store: string;
        type: KnownEvent['type'];
        amount: string;
      }>(
        `SELECT customer_id, transaction_id, occurred_at, store, type, amount FROM fraud.customer_events
         WHERE customer_id = ANY($1::text[]) AND occurred_at BETWEEN $2 AND $3`,
        [customers, from.toISOString(), to.toISOString()],
      ),
      await q.query<{ customer_id: string; occurred_at: Date | string }>(
        `SELECT customer_id, occurred_at FROM fraud.alerts
         WHERE rule = 'velocity' AND customer_id = ANY($1::text[]) AND occurred_at >= $2`,
        [customers, from.toISOString()],
      ),
    ];
    const histories = new Map<string, CustomerHistory>(
      customers.map((c) => [c, { stats: undefined, events: [], velocityAlerts: [] }]),
    );
    const of = (c: string): CustomerHistory => histories.get(c) as CustomerHistory;
    for (const r of stats) of(r.customer_id).stats = { n: Number(r.n), mean: Number(r.mean), m2: Number(r.m2) };
    for (const r of events) {
      of(r.customer_id).events.push({
        transactionId: r.transaction_id,
        occurredAt: new Date(r.occurred_at),
        store: r.store,
        type: r.type,
        amount: Number(r.amount),
      });
    }
    for (const r of velocity) of(r.customer_id).velocityAlerts.push(new Date(r.occurred_at).getTime());
    return histories;
  }

  /** The batch's refunds for which a purchase of at least their amount, same customer and store, is already recorded. */
  private async refundsMatched(q: Queryable, txs: readonly CustomerTransaction[]): Promise<Set<string>> {
    const refunds = txs.filter((t) => t.type === 'refund');
    if (refunds.length === 0) return new Set();
    const rows = await q.query<{ id: string }>(
      `SELECT r.id FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::timestamptz[]) AS r(id, customer_id, store, amount, at)
       WHERE EXISTS (SELECT 1 FROM fraud.customer_events e
                     WHERE e.customer_id = r.customer_id AND e.store = r.store AND e.type = 'purchase'
                       AND e.amount >= r.amount AND e.occurred_at BETWEEN r.at - make_interval(days => $6) AND r.at)`,
      [
        refunds.map((t) => t.id),
        refunds.map((t) => t.customerId),
        refunds.map((t) => t.store),
        refunds.map((t) => String(t.amount)),
        refunds.map((t) => t.occurredAt),
        this.env.FRAUD_REFUND_LOOKBACK_DAYS,
      ],
    );
    return new Set(rows.map((r) => r.id));
  }

  private async save(q: Queryable, e: readonly CustomerTransaction[], verdict: BatchVerdict): Promise<void> {
    await q.query(
      `INSERT INTO fraud.customer_events (transaction_id, customer_id, occurred_at, store, type, amount)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::numeric[])
       ON CONFLICT (transaction_id) DO NOTHING`,
      [
        e.map((t) => t.id),
        e.map((t) => t.customerId),
        e.map((t) => t.occurredAt),
        e.map((t) => t.store),
        e.map((t) => t.type),
        e.map((t) => String(t.amount)),
      ],
    );
    const stats = inLockOrder(verdict.stats, ([customer]) => customer);
    if (stats.length > 0) {
      await q.query(
        `INSERT INTO fraud.amount_stats (customer_id, n, mean, m2)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::float8[])
         ON CONFLICT (customer_id) DO UPDATE SET n = EXCLUDED.n, mean = EXCLUDED.mean, m2 = EXCLUDED.m2`,
        [stats.map(([c]) => c), stats.map(([, s]) => s.n), stats.map(([, s]) => s.mean), stats.map(([, s]) => s.m2)],
      );
    }
    const a = verdict.alerts;
    if (a.length > 0) {
      await q.query(
        `INSERT INTO fraud.alerts (id, customer_id, transaction_id, rule, score, evidence, occurred_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::jsonb[], $7::timestamptz[])
         ON CONFLICT (id) DO NOTHING`,
        [
          a.map((x) => x.id),
          a.map((x) => x.customerId),
          a.map((x) => x.transactionId),
          a.map((x) => x.rule),
          a.map((x) => x.score),
          a.map((x) => JSON.stringify(x.evidence)),
          a.map((x) => x.occurredAt),
        ],
      );
    }
  }

  /**
   * Empties the history, the statistics and the claims, for a rebuild from the log. Alerts already
   * published stay: they left the system, and the same alert raised again has the same id and is
   * not stored or published twice. Alerts not yet published go, and are raised again if the rules
   * still say so.
   */
  async clearView(): Promise<void> {
    const s = FRAUD_SCHEMA;
    await this.db.transaction((q) =>
      q.exec(
        `TRUNCATE ${s}.amount_stats, ${s}.customer_events, ${s}.applied_events;
         DELETE FROM ${s}.alerts WHERE published_at IS NULL;`,
      ),
    );
  }

  /** How long a customer's transactions matter to the rules: the longest look back, plus a day. */
  historyKeptForMs(): number {
    return Math.max(this.env.FRAUD_REFUND_LOOKBACK_DAYS * DAY_MS, this.env.FRAUD_VELOCITY_WINDOW_S * 1000) + DAY_MS;
  }

  async alerts(filter: AlertFilter): Promise<FraudAlertEvent[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.customerId !== undefined) {
      params.push(filter.customerId);
      where.push(`customer_id = $${params.length}`);
    }
    if (filter.since !== undefined) {
      params.push(filter.since.toISOString());
      where.push(`occurred_at >= $${params.length}`);
    }
    params.push(filter.limit);
    const rows = await this.db.query<AlertRow>(
      `SELECT id, customer_id, transaction_id, rule, score, evidence, occurred_at, detected_at FROM fraud.alerts
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY occurred_at DESC, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEvent);
  }

  /**
   * The alerts outbox: oldest first, keyed by customer; a repeat is dropped by its stable id. The
   * alerts stay after publishing: they are the anti-fraud view itself (GET /fraud/alerts).
   */
  async publishPending(
    limit: number,
    publish: (records: readonly ProduceRecord<unknown>[]) => Promise<void>,
  ): Promise<number | null> {
    const rows = await this.db.query<AlertRow>(
      `SELECT id, customer_id, transaction_id, rule, score, evidence, occurred_at, detected_at FROM fraud.alerts
       WHERE published_at IS NULL ORDER BY detected_at, id LIMIT $1`,
      [limit],
    );
    if (rows.length === 0) return 0;
    const alerts = rows.map(toEvent);
    await publish(alerts.map((a) => ({ topic: Topics.FraudAlerts, key: a.customerId, value: a })));
    await this.db.query('UPDATE fraud.alerts SET published_at = now() WHERE id = ANY($1::text[])', [
      alerts.map((a) => a.id),
    ]);
    return alerts.length;
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM fraud.alerts WHERE published_at IS NULL',
    );
    return Number(row?.n ?? 0);
  }
}
