import { Inject, Injectable } from '@nestjs/common';
import type { CustomerEvent, Transaction } from '@nurt/contracts';
import { claimOnce, DATABASE, type AppliedRecord, type Database } from '@nurt/database';
import { RECOMMENDATION_SCHEMA } from './recommendation.migrations.js';

export interface ProfileRow {
  readonly customerId: string;
  readonly transactions: number;
  readonly amountTotal: string;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  readonly favouriteStore: string | null;
  readonly favouriteType: string | null;
  readonly segment: string | null;
  readonly city: string | null;
  readonly name: string | null;
}

export interface StoreScore {
  readonly store: string;
  readonly customers: number;
  readonly transactions: number;
}

@Injectable()
export class RecommendationRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Adds the transaction to the customer's profile, store and type counts, once. */
  async apply(tx: Transaction & { customerId: string }, record: AppliedRecord): Promise<boolean> {
    return this.db.transaction(async (q) => {
      if (!(await claimOnce(q, RECOMMENDATION_SCHEMA, record))) return false;
      await q.query(
        `INSERT INTO recommendation.profiles AS p (customer_id, tx_count, amount_total, first_seen, last_seen)
         VALUES ($1, 1, $2, $3, $3)
         ON CONFLICT (customer_id) DO UPDATE SET tx_count = p.tx_count + 1, amount_total = p.amount_total + $2,
           first_seen = LEAST(p.first_seen, $3), last_seen = GREATEST(p.last_seen, $3)`,
        [tx.customerId, tx.amount, tx.occurredAt],
      );
      await q.query(
        `INSERT INTO recommendation.customer_stores AS s (customer_id, store, tx_count, amount_total)
         VALUES ($1, $2, 1, $3)
         ON CONFLICT (customer_id, store) DO UPDATE SET tx_count = s.tx_count + 1, amount_total = s.amount_total + $3`,
        [tx.customerId, tx.store, tx.amount],
      );
      await q.query(
        `INSERT INTO recommendation.customer_types AS t (customer_id, type, tx_count, amount_total)
         VALUES ($1, $2, 1, $3)
         ON CONFLICT (customer_id, type) DO UPDATE SET tx_count = t.tx_count + 1, amount_total = t.amount_total + $3`,
        [tx.customerId, tx.type, tx.amount],
      );
      return true;
    });
  }

  /** Keeps the newest state per customer; an older event arriving late changes nothing. */
  async upsertCustomer(c: CustomerEvent): Promise<void> {
    await this.db.query(
      `INSERT INTO recommendation.customers AS c (customer_id, name, city, segment, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (customer_id) DO UPDATE SET name = $2, city = $3, segment = $4, updated_at = $5
       WHERE c.updated_at <= $5`,
      [String(c.id), c.name, c.city, c.segment, c.updatedAt],
    );
  }

  async deleteCustomer(customerId: string): Promise<void> {
    await this.db.query('DELETE FROM recommendation.customers WHERE customer_id = $1', [customerId]);
  }

  async profile(customerId: string): Promise<ProfileRow | null> {
    const [row] = await this.db.query<{
      customer_id: string;
      tx_count: string | null;
      amount_total: string | null;
      first_seen: Date | string | null;
      last_seen: Date | string | null;
      favourite_store: string | null;
      favourite_type: string | null;
      segment: string | null;
      city: string | null;
      name: string | null;
    }>(
      `SELECT k.customer_id, p.tx_count, p.amount_total, p.first_seen, p.last_seen, c.segment, c.city, c.name,
         (SELECT store FROM recommendation.customer_stores s WHERE s.customer_id = k.customer_id
          ORDER BY tx_count DESC, amount_total DESC, store LIMIT 1) AS favourite_store,
         (SELECT type FROM recommendation.customer_types t WHERE t.customer_id = k.customer_id
          ORDER BY tx_count DESC, amount_total DESC, type LIMIT 1) AS favourite_type
       FROM (SELECT $1::text AS customer_id) k
       LEFT JOIN recommendation.profiles p ON p.customer_id = k.customer_id
       LEFT JOIN recommendation.customers c ON c.customer_id = k.customer_id
       WHERE p.customer_id IS NOT NULL OR c.customer_id IS NOT NULL`,
      [customerId],
    );
    if (!row) return null;
    const at = (v: Date | string | null): Date => new Date(v ?? 0);
    return {
      customerId: row.customer_id,
      transactions: Number(row.tx_count ?? 0),
      amountTotal: row.amount_total ?? '0',
      firstSeen: at(row.first_seen),
      lastSeen: at(row.last_seen),
      favouriteStore: row.favourite_store,
      favouriteType: row.favourite_type,
      segment: row.segment,
      city: row.city,
      name: row.name,
    };
  }

  /**
   * Stores this customer has not visited, ranked by how many similar customers did: customers who
   * share a store with this one and, when its segment is known, are in the same segment.
   */
  async recommend(customerId: string, limit: number): Promise<{ similar: number; stores: StoreScore[] }> {
    const peers = `
      WITH mine AS (SELECT store FROM recommendation.customer_stores WHERE customer_id = $1),
           me AS (SELECT segment FROM recommendation.customers WHERE customer_id = $1)
      SELECT DISTINCT s.customer_id FROM recommendation.customer_stores s
      JOIN mine USING (store)
      LEFT JOIN recommendation.customers c ON c.customer_id = s.customer_id
      WHERE s.customer_id <> $1 AND (NOT EXISTS (SELECT 1 FROM me) OR c.segment = (SELECT segment FROM me))`;
    const [count] = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM (${peers}) x`, [customerId]);
    const rows = await this.db.query<{ store: string; customers: string; transactions: string }>(
      `WITH peers AS (${peers})
       SELECT s.store, count(DISTINCT s.customer_id) AS customers, sum(s.tx_count) AS transactions
       FROM recommendation.customer_stores s JOIN peers USING (customer_id)
       WHERE s.store NOT IN (SELECT store FROM recommendation.customer_stores WHERE customer_id = $1)
       GROUP BY s.store ORDER BY customers DESC, transactions DESC, s.store LIMIT $2`,
      [customerId, limit],
    );
    return {
      similar: Number(count?.n ?? 0),
      stores: rows.map((r) => ({
        store: r.store,
        customers: Number(r.customers),
        transactions: Number(r.transactions),
      })),
    };
  }
}
