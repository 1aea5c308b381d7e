import { Inject, Injectable } from '@nestjs/common';
import type { FraudAlertEvent, FraudRule, Transaction } from '@nurt/contracts';
import { claimOnce, DATABASE, type AppliedRecord, type Database, type Queryable } from '@nurt/database';
import { FRAUD_SCHEMA } from './fraud.migrations.js';
import type { AmountStats, PastEvent } from './fraud.rules.js';

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

/** The fraud schema as seen from inside one database transaction. */
export class FraudState {
  constructor(private readonly q: Queryable) {}

  async amountStats(customerId: string): Promise<AmountStats | undefined> {
    const [row] = await this.q.query<{ n: string; mean: number; m2: number }>(
      'SELECT n, mean, m2 FROM fraud.amount_stats WHERE customer_id = $1',
      [customerId],
    );
    return row ? { n: Number(row.n), mean: Number(row.mean), m2: Number(row.m2) } : undefined;
  }

  async saveAmountStats(customerId: string, s: AmountStats): Promise<void> {
    await this.q.query(
      `INSERT INTO fraud.amount_stats (customer_id, n, mean, m2) VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer_id) DO UPDATE SET n = EXCLUDED.n, mean = EXCLUDED.mean, m2 = EXCLUDED.m2`,
      [customerId, s.n, s.mean, s.m2],
    );
  }

  async record(tx: Transaction & { customerId: string }): Promise<void> {
    await this.q.query(
      `INSERT INTO fraud.customer_events (transaction_id, customer_id, occurred_at, store, type, amount)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (transaction_id) DO NOTHING`,
      [tx.id, tx.customerId, tx.occurredAt, tx.store, tx.type, tx.amount],
    );
  }

  async countBetween(customerId: string, from: Date, to: Date): Promise<number> {
    const [row] = await this.q.query<{ count: string }>(
      `SELECT count(*) AS count FROM fraud.customer_events
       WHERE customer_id = $1 AND occurred_at > $2 AND occurred_at <= $3`,
      [customerId, from.toISOString(), to.toISOString()],
    );
    return Number(row?.count ?? 0);
  }

  async eventsBetween(customerId: string, from: Date, to: Date, exceptId: string): Promise<PastEvent[]> {
    const rows = await this.q.query<{ transaction_id: string; occurred_at: Date | string; store: string }>(
      `SELECT transaction_id, occurred_at, store FROM fraud.customer_events
       WHERE customer_id = $1 AND occurred_at BETWEEN $2 AND $3 AND transaction_id <> $4`,
      [customerId, from.toISOString(), to.toISOString(), exceptId],
    );
    return rows.map((r) => ({ transactionId: r.transaction_id, occurredAt: new Date(r.occurred_at), store: r.store }));
  }

  async hasPurchase(customerId: string, store: string, minAmount: number, from: Date, to: Date): Promise<boolean> {
    const rows = await this.q.query(
      `SELECT 1 FROM fraud.customer_events
       WHERE customer_id = $1 AND store = $2 AND type = 'purchase' AND amount >= $3
         AND occurred_at BETWEEN $4 AND $5 LIMIT 1`,
      [customerId, store, minAmount, from.toISOString(), to.toISOString()],
    );
    return rows.length > 0;
  }

  async alertedSince(customerId: string, rule: FraudRule, since: Date): Promise<boolean> {
    const rows = await this.q.query(
      'SELECT 1 FROM fraud.alerts WHERE customer_id = $1 AND rule = $2 AND occurred_at > $3 LIMIT 1',
      [customerId, rule, since.toISOString()],
    );
    return rows.length > 0;
  }

  async addAlert(alert: Omit<FraudAlertEvent, 'detectedAt'>): Promise<void> {
    await this.q.query(
      `INSERT INTO fraud.alerts (id, customer_id, transaction_id, rule, score, evidence, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [
        alert.id,
        alert.customerId,
        alert.transactionId,
        alert.rule,
        alert.score,
        JSON.stringify(alert.evidence),
        alert.occurredAt,
      ],
    );
  }
}

export interface AlertFilter {
  readonly customerId?: string;
  readonly since?: Date;
  readonly limit: number;
}

@Injectable()
export class FraudRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Runs `work` in one database transaction that also records the event as applied; skips a repeat. */
  async applyOnce(record: AppliedRecord, work: (state: FraudState) => Promise<void>): Promise<boolean> {
    return this.db.transaction(async (q) => {
      if (!(await claimOnce(q, FRAUD_SCHEMA, record))) return false;
      await work(new FraudState(q));
      return true;
    });
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

  async unpublished(limit: number): Promise<FraudAlertEvent[]> {
    const rows = await this.db.query<AlertRow>(
      `SELECT id, customer_id, transaction_id, rule, score, evidence, occurred_at, detected_at FROM fraud.alerts
       WHERE published_at IS NULL ORDER BY detected_at, id LIMIT $1`,
      [limit],
    );
    return rows.map(toEvent);
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    await this.db.query('UPDATE fraud.alerts SET published_at = now() WHERE id = ANY($1::text[])', [ids]);
  }
}
