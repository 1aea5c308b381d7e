import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '@nurt/contracts';
import { claimOnce, DATABASE, type Database, type AppliedRecord } from '@nurt/database';
import { REPORTING_SCHEMA } from './reporting.migrations.js';

export type SalesWindow = 'total' | 'minute' | 'hour';

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

  /** Adds the transaction to its total, minute and hour rows, once; false if it was applied before. */
  async apply(tx: Transaction, record: AppliedRecord): Promise<boolean> {
    return this.db.transaction(async (q) => {
      if (!(await claimOnce(q, REPORTING_SCHEMA, record))) return false;
      await q.query(
        `INSERT INTO reporting.sales_stats AS s (store, type, window_kind, window_start, count, sum, min, max)
         SELECT $1, $2, w.kind, w.start, 1, $4::numeric, $4::numeric, $4::numeric
         FROM (VALUES ('total', to_timestamp(0)),
                      ('minute', date_trunc('minute', $3::timestamptz)),
                      ('hour', date_trunc('hour', $3::timestamptz))) AS w(kind, start)
         ON CONFLICT (window_kind, store, type, window_start) DO UPDATE
           SET count = s.count + 1, sum = s.sum + EXCLUDED.sum,
               min = LEAST(s.min, EXCLUDED.min), max = GREATEST(s.max, EXCLUDED.max)`,
        [tx.store, tx.type, tx.occurredAt, tx.amount],
      );
      return true;
    });
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
