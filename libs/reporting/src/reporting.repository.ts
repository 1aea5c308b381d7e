import { Inject, Injectable } from '@nestjs/common';
import { centsText, type Transaction } from '@nurt/contracts';
import { applyOnce, DATABASE, inLockOrder, type Database, type DeliveredEvent } from '@nurt/database';
import { REPORTING_SCHEMA } from './reporting.migrations.js';
import { foldSales, type SalesWindow } from './sales.fold.js';

export type { SalesWindow } from './sales.fold.js';

export interface SalesRow {
  readonly store: string;
  readonly type: string;
  readonly windowStart: Date | null;
  readonly count: number;
  readonly sum: string;
  readonly min: string;
  readonly max: string;
}

export interface SalesFilter {
  readonly window: SalesWindow;
  readonly store?: string;
  readonly since?: Date;
  readonly limit: number;
}

interface Row {
  store: string;
  type: string;
  window_start: Date | string;
  count: string;
  sum: string;
  min: string;
  max: string;
}

@Injectable()
export class ReportingRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * Adds the transactions not applied before to their total, minute and hour rows: one database
   * transaction, one statement to claim the ids, one upsert of the folded rows. Returns how many were new.
   */
  async apply(transactions: readonly DeliveredEvent<Transaction>[]): Promise<number> {
    const fresh = await applyOnce(
      this.db,
      REPORTING_SCHEMA,
      transactions,
      (t) => t.value.id,
      async (q, fresh) => {
        const rows = inLockOrder(
          foldSales(fresh.map((t) => t.value)),
          (r) => `${r.window}\u0000${r.store}\u0000${r.type}\u0000${r.windowStart.toISOString()}`,
        );
        await q.query(
          `INSERT INTO reporting.sales_stats AS s (window_kind, store, type, window_start, count, sum, min, max)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[],
                                $6::numeric[], $7::numeric[], $8::numeric[])
           ON CONFLICT (window_kind, store, type, window_start) DO UPDATE
             SET count = s.count + EXCLUDED.count, sum = s.sum + EXCLUDED.sum,
                 min = LEAST(s.min, EXCLUDED.min), max = GREATEST(s.max, EXCLUDED.max)`,
          [
            rows.map((r) => r.window),
            rows.map((r) => r.store),
            rows.map((r) => r.type),
            rows.map((r) => r.windowStart.toISOString()),
            rows.map((r) => r.count),
            rows.map((r) => centsText(r.cents)),
            rows.map((r) => String(r.min)),
            rows.map((r) => String(r.max)),
          ],
        );
      },
    );
    return fresh.length;
  }

  /** Empties the view and its claims, for a rebuild from the log. */
  async clearView(): Promise<void> {
    await this.db.transaction((q) =>
      q.exec(`TRUNCATE ${REPORTING_SCHEMA}.sales_stats, ${REPORTING_SCHEMA}.applied_events`),
    );
  }

  async sales(filter: SalesFilter): Promise<SalesRow[]> {
    const params: unknown[] = [filter.window];
    const where = ['window_kind = $1'];
    if (filter.store !== undefined) {
      params.push(filter.store);
      where.push(`store = $${params.length}`);
    }
    if (filter.since !== undefined && filter.window !== 'total') {
      params.push(filter.since.toISOString());
      where.push(`window_start >= $${params.length}`);
    }
    params.push(filter.limit);
    const rows = await this.db.query<Row>(
      `SELECT store, type, window_start, count, sum, min, max FROM reporting.sales_stats
       WHERE ${where.join(' AND ')}
       ORDER BY window_start DESC, store, type
       LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      store: r.store,
      type: r.type,
      windowStart: filter.window === 'total' ? null : new Date(r.window_start),
      count: Number(r.count),
      sum: r.sum,
      min: r.min,
      max: r.max,
    }));
  }
}
