import { Inject, Injectable } from '@nestjs/common';
import {
  TRANSACTION_TYPES,
  Topics,
  type FraudAlertEvent,
  type FraudRule,
  type Transaction,
  type TransactionType,
} from '@nurt/contracts';
import { claimNew, DATABASE, type Database, type DeliveredEvent, type Queryable } from '@nurt/database';
import type { OutboxSource, ProduceRecord } from '@nurt/kafka';
import { DAY_MS, judge, lookBackMs, type Alert, type CustomerEvent, type CustomerHistory } from './fraud.evaluation.js';
import type { FraudEnv } from './fraud.config.js';
import { isSpending, travelWindowMs } from './fraud.rules.js';
import { FRAUD_SCHEMA } from './fraud.migrations.js';
import { FRAUD_ENV } from './fraud.constants.js';

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

interface EventRow {
  customer_id: string;
  transaction_id: string;
  occurred_at: Date | string;
  store: string;
  type: TransactionType;
  amount: string;
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

const toCustomerEvent = (r: EventRow): CustomerEvent => ({
  customerId: r.customer_id,
  transactionId: r.transaction_id,
  at: new Date(r.occurred_at).getTime(),
  store: r.store,
  type: r.type,
  amount: Number(r.amount),
});

/** The transaction types whose amounts make a customer's usual amount. */
const SPENDING = TRANSACTION_TYPES.filter(isSpending);

const hasCustomer = (tx: Transaction): tx is Transaction & { customerId: string } => tx.customerId !== undefined;

/** One judge at a time across instances sharing a PostgreSQL: each transaction is judged once, in event order. */
const JUDGE_LOCK = 0x66_72_64_6a; // "frdj"
/**
 * A partition whose progress was not updated for this long no longer holds the judging back: its
 * reader is gone (a crash, a rebalance, an operator's stop) or only dead letters came since.
 */
const PROGRESS_STALE_S = 30;

export interface AlertFilter {
  readonly customerId?: string;
  readonly since?: Date;
  readonly limit: number;
}

/** One partition's batch, as the anti-fraud group records it. */
export interface RecordedBatch {
  readonly partition: number;
  readonly highWatermark: string;
  readonly records: readonly DeliveredEvent<Transaction>[];
}

export interface Judged {
  readonly judged: number;
  readonly raised: number;
}

export interface Pending {
  readonly transactions: number;
  readonly oldestOccurredAt: Date | null;
}

@Injectable()
export class FraudRepository implements OutboxSource {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(FRAUD_ENV) private readonly env: FraudEnv,
  ) {}

  /**
   * Records a batch once, in one database transaction: claims every id (one statement), stores the
   * new transactions that have a customer as waiting to be judged (one statement), and moves the
   * partition's progress in event time. Judging is `judgeReady`'s, once their history is complete.
   * Returns how many transactions were recorded.
   */
  async record(batch: RecordedBatch): Promise<number> {
    const last = batch.records[batch.records.length - 1];
    if (!last) return 0;
    return this.db.transaction(async (q) => {
      const fresh = await claimNew(q, FRAUD_SCHEMA, batch.records, (t) => t.value.id);
      const e = fresh.map((t) => t.value).filter(hasCustomer);
      if (e.length > 0) {
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
      }
      // Every record moves the partition's event time, a repeat or one without a customer too.
      const streamTime = batch.records.reduce((t, r) => Math.max(t, Date.parse(r.value.occurredAt)), 0);
      const behind = BigInt(last.offset) + 1n < BigInt(batch.highWatermark);
      await q.query(
        `INSERT INTO fraud.stream_progress AS p (partition, stream_time, behind, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (partition) DO UPDATE SET stream_time = GREATEST(p.stream_time, EXCLUDED.stream_time),
           behind = EXCLUDED.behind, updated_at = now()`,
        [batch.partition, new Date(streamTime).toISOString(), behind],
      );
      return e.length;
    });
  }

  /**
   * Judges, in event-time order, up to `limit` recorded transactions whose history is complete:
   * recorded at least FRAUD_LATENESS_S ago (a transaction from another partition that is a little
   * earlier has had time to arrive), and not later than FRAUD_LATENESS_S before the event time
   * reached by any partition still being read (one partition read ahead of another, as in a replay,
   * waits for it). Stores the alerts with the verdict, in one transaction.
   */
  async judgeReady(limit: number): Promise<Judged> {
    return this.db.transaction(async (q) => {
      if (this.db.kind !== 'pglite') await q.query('SELECT pg_advisory_xact_lock($1)', [JUDGE_LOCK]);
      const lateness = this.env.FRAUD_LATENESS_S;
      const rows = await q.query<EventRow>(
        `WITH held AS (SELECT min(stream_time) AS t FROM fraud.stream_progress
                       WHERE behind AND updated_at > now() - make_interval(secs => $3))
         SELECT e.customer_id, e.transaction_id, e.occurred_at, e.store, e.type, e.amount
         FROM fraud.customer_events e, held
         WHERE NOT e.judged AND e.recorded_at <= now() - make_interval(secs => $1)
           AND (held.t IS NULL OR e.occurred_at <= held.t - make_interval(secs => $1))
         ORDER BY e.occurred_at, e.transaction_id COLLATE "C" LIMIT $2`,
        [lateness, limit, PROGRESS_STALE_S],
      );
      if (rows.length === 0) return { judged: 0, raised: 0 };
      const ready = rows.map(toCustomerEvent);
      const alerts = judge(ready, await this.histories(q, ready), this.env);
      await this.saveAlerts(q, alerts);
      await q.query('UPDATE fraud.customer_events SET judged = true WHERE transaction_id = ANY($1::text[])', [
        ready.map((e) => e.transactionId),
      ]);
      return { judged: ready.length, raised: alerts.length };
    });
  }

  /**
   * What the rules need of the customers of the judged transactions (see `judge` for the
   * contract): everything from the first judged one to the last, with how many earlier ones are
   * inside each one's velocity window counted by the database; and before the first only what a
   * rule can use: the newest at each store within the travel window, the newest
   * `FRAUD_AMOUNT_HISTORY` per spending type within the look-back, and the purchases at the
   * refunds' stores within the look-back; with their velocity and distant-cities alerts. Each part
   * is bounded by a count or by the page, so a page costs the same however long or dense its
   * customers' histories are (a customer buying every few seconds used to bring all of their
   * look-back, 90 days, into every page).
   */
  private async histories(q: Queryable, ready: readonly CustomerEvent[]): Promise<Map<string, CustomerHistory>> {
    const customers = [...new Set(ready.map((e) => e.customerId))];
    const first = ready[0]?.at ?? 0;
    const lastAt = ready[ready.length - 1]?.at ?? 0;
    const iso = (ms: number): string => new Date(ms).toISOString();
    const velocityMs = this.env.FRAUD_VELOCITY_WINDOW_S * 1000;
    const lookbackMs = this.env.FRAUD_REFUND_LOOKBACK_DAYS * DAY_MS;
    const refunds = ready.filter((e) => e.type === 'refund');
    const columns = 'customer_id, transaction_id, occurred_at, store, type, amount';
    const events = await q.query<EventRow>(
      `SELECT ${columns} FROM fraud.customer_events
       WHERE customer_id = ANY($1::text[]) AND occurred_at BETWEEN $2 AND $3
       UNION
       SELECT ${columns} FROM (
         SELECT DISTINCT ON (customer_id, store) ${columns} FROM fraud.customer_events
         WHERE customer_id = ANY($1::text[]) AND occurred_at >= $4 AND occurred_at < $2
         ORDER BY customer_id, store, occurred_at DESC, transaction_id COLLATE "C" DESC) newest_per_store
       UNION
       SELECT u.* FROM unnest($1::text[]) AS c(id) CROSS JOIN unnest($5::text[]) AS t(type),
         LATERAL (SELECT ${columns} FROM fraud.customer_events e
                  WHERE e.customer_id = c.id AND e.type = t.type AND e.occurred_at >= $6 AND e.occurred_at < $2
                  ORDER BY e.occurred_at DESC, e.transaction_id COLLATE "C" DESC LIMIT $7) u
       UNION
       SELECT e.customer_id, e.transaction_id, e.occurred_at, e.store, e.type, e.amount FROM fraud.customer_events e
         JOIN unnest($8::text[], $9::text[]) AS r(customer_id, store) ON e.customer_id = r.customer_id AND e.store = r.store
       WHERE e.type = 'purchase' AND e.occurred_at >= $10 AND e.occurred_at <= $3`,
      [
        customers,
        iso(first),
        iso(lastAt),
        iso(first - travelWindowMs(this.env)),
        SPENDING,
        iso(first - lookbackMs),
        this.env.FRAUD_AMOUNT_HISTORY,
        refunds.map((e) => e.customerId),
        refunds.map((e) => e.store),
        iso((refunds[0]?.at ?? first) - lookbackMs),
      ],
    );
    // Per judged transaction, its customer's transactions before the page inside its velocity window.
    const early = ready.filter((e) => e.at - velocityMs < first);
    const inWindow =
      early.length === 0
        ? []
        : await q.query<{ id: string; n: string }>(
            `SELECT r.id, (SELECT count(*) FROM fraud.customer_events p
                     WHERE p.customer_id = r.customer_id AND p.occurred_at > r.at - make_interval(secs => $4)
                       AND p.occurred_at < $5) AS n
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS r(id, customer_id, at)`,
            [
              early.map((e) => e.transactionId),
              early.map((e) => e.customerId),
              early.map((e) => iso(e.at)),
              this.env.FRAUD_VELOCITY_WINDOW_S,
              iso(first),
            ],
          );
    const counted = { from: first, inVelocityWindow: new Map(inWindow.map((r) => [r.id, Number(r.n)])) };
    const alertsFrom = first - Math.max(travelWindowMs(this.env), velocityMs);
    const alerts = await q.query<{
      customer_id: string;
      transaction_id: string;
      rule: FraudRule;
      occurred_at: Date | string;
    }>(
      `SELECT customer_id, transaction_id, rule, occurred_at FROM fraud.alerts
       WHERE customer_id = ANY($1::text[]) AND rule IN ('velocity', 'distant-cities') AND occurred_at BETWEEN $2 AND $3`,
      [customers, iso(alertsFrom), iso(lastAt)],
    );
    const histories = new Map<string, CustomerHistory>(customers.map((c) => [c, { events: [], alerts: [], counted }]));
    const of = (c: string): CustomerHistory => histories.get(c) as CustomerHistory;
    for (const r of events) of(r.customer_id).events.push(toCustomerEvent(r));
    for (const r of alerts) {
      of(r.customer_id).alerts.push({
        transactionId: r.transaction_id,
        rule: r.rule,
        at: new Date(r.occurred_at).getTime(),
      });
    }
    return histories;
  }

  private async saveAlerts(q: Queryable, a: readonly Alert[]): Promise<void> {
    if (a.length === 0) return;
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

  /** The transactions recorded but not judged yet, and the event time of the oldest. */
  async pending(): Promise<Pending> {
    const [row] = await this.db.query<{ n: string; oldest: Date | string | null }>(
      'SELECT count(*) AS n, min(occurred_at) AS oldest FROM fraud.customer_events WHERE NOT judged',
    );
    return {
      transactions: Number(row?.n ?? 0),
      oldestOccurredAt: row?.oldest ? new Date(row.oldest) : null,
    };
  }

  /**
   * Empties the history, the partitions' progress and the claims, for a rebuild from the log. Alerts already
   * published stay: they left the system, and the same alert raised again has the same id and is
   * not stored or published twice. Alerts not yet published go, and are raised again if the rules
   * still say so.
   */
  async clearView(): Promise<void> {
    const s = FRAUD_SCHEMA;
    await this.db.transaction((q) =>
      q.exec(
        `TRUNCATE ${s}.customer_events, ${s}.stream_progress, ${s}.applied_events;
         DELETE FROM ${s}.alerts WHERE published_at IS NULL;`,
      ),
    );
  }

  /** How long a customer's transactions matter to the rules: the longest look back, plus a day. */
  historyKeptForMs(): number {
    return lookBackMs(this.env) + DAY_MS;
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
