import { Inject, Injectable } from '@nestjs/common';
import { centsText, type CustomerEvent, type Transaction } from '@nurt/contracts';
import { applyOnce, DATABASE, inLockOrder, type Database, type DeliveredEvent, type Queryable } from '@nurt/database';
import { foldProfiles, type CustomerCount } from './profile.fold.js';
import { RECOMMENDATION_SCHEMA } from './recommendation.migrations.js';

const hasCustomer = (tx: Transaction): tx is Transaction & { customerId: string } => tx.customerId !== undefined;

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

  /**
   * Adds the transactions not applied before to their customers' profiles and store and type
   * counts: one database transaction, one statement to claim the ids, one upsert per table with a
   * row per customer (and store, and type). A transaction without a customer is claimed like any
   * other and changes no profile. Returns how many were new.
   */
  async applyTransactions(transactions: readonly DeliveredEvent<Transaction>[]): Promise<number> {
    const fresh = await applyOnce(
      this.db,
      RECOMMENDATION_SCHEMA,
      transactions,
      (t) => t.value.id,
      async (q, fresh) => {
        const { profiles, stores, types } = foldProfiles(fresh.map((t) => t.value).filter(hasCustomer));
        if (profiles.size === 0) return;
        const p = inLockOrder(profiles, ([customer]) => customer);
        await q.query(
          `INSERT INTO recommendation.profiles AS p (customer_id, tx_count, amount_total, first_seen, last_seen)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::numeric[], $4::timestamptz[], $5::timestamptz[])
           ON CONFLICT (customer_id) DO UPDATE SET tx_count = p.tx_count + EXCLUDED.tx_count,
             amount_total = p.amount_total + EXCLUDED.amount_total,
             first_seen = LEAST(p.first_seen, EXCLUDED.first_seen), last_seen = GREATEST(p.last_seen, EXCLUDED.last_seen)`,
          [
            p.map(([id]) => id),
            p.map(([, r]) => r.count),
            p.map(([, r]) => centsText(r.cents)),
            p.map(([, r]) => new Date(r.first).toISOString()),
            p.map(([, r]) => new Date(r.last).toISOString()),
          ],
        );
        await this.addCounts(q, 'customer_stores', 'store', stores.values());
        await this.addCounts(q, 'customer_types', 'type', types.values());
      },
    );
    return fresh.length;
  }

  /** Adds a batch's counts per customer and store (or type), one upsert, rows in lock order. */
  private async addCounts(
    q: Queryable,
    table: 'customer_stores' | 'customer_types',
    column: 'store' | 'type',
    counts: Iterable<CustomerCount>,
  ): Promise<void> {
    const rows = inLockOrder(counts, (r) => `${r.customerId}\u0000${r.key}`);
    await q.query(
      `INSERT INTO recommendation.${table} AS c (customer_id, ${column}, tx_count, amount_total)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::numeric[])
       ON CONFLICT (customer_id, ${column}) DO UPDATE
         SET tx_count = c.tx_count + EXCLUDED.tx_count, amount_total = c.amount_total + EXCLUDED.amount_total`,
      [
        rows.map((r) => r.customerId),
        rows.map((r) => r.key),
        rows.map((r) => r.count),
        rows.map((r) => centsText(r.cents)),
      ],
    );
  }

  /**
   * The local copy of the `customers` topic: the latest state per customer, a null deletes it. An
   * upsert older than the copy changes nothing, so the copy is the same whatever was redelivered.
   */
  async applyCustomers(latest: ReadonlyMap<string, CustomerEvent | null>): Promise<void> {
    const upserts = inLockOrder(
      [...latest.values()].filter((c): c is CustomerEvent => c !== null),
      (c) => String(c.id),
    );
    const deletes = [...latest].filter(([, c]) => c === null).map(([key]) => key);
    await this.db.transaction(async (q) => {
      if (deletes.length > 0) {
        await q.query('DELETE FROM recommendation.customers WHERE customer_id = ANY($1::text[])', [deletes]);
      }
      if (upserts.length === 0) return;
      await q.query(
        `INSERT INTO recommendation.customers AS c (customer_id, name, city, segment, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
         ON CONFLICT (customer_id) DO UPDATE
           SET name = EXCLUDED.name, city = EXCLUDED.city, segment = EXCLUDED.segment, updated_at = EXCLUDED.updated_at
         WHERE c.updated_at <= EXCLUDED.updated_at`,
        [
          upserts.map((c) => String(c.id)),
          upserts.map((c) => c.name),
          upserts.map((c) => c.city),
          upserts.map((c) => c.segment),
          upserts.map((c) => c.updatedAt),
        ],
      );
    });
  }

  /** Empties the profiles, the local copy of the customers topic and the claims, for a rebuild from the log. */
  async clearView(): Promise<void> {
    const s = RECOMMENDATION_SCHEMA;
    await this.db.transaction((q) =>
      q.exec(`TRUNCATE ${s}.customers, ${s}.profiles, ${s}.customer_stores, ${s}.customer_types, ${s}.applied_events`),
    );
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
