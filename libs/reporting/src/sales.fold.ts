import { toCents, type Transaction } from '@nurt/contracts';

export type SalesWindow = 'total' | 'minute' | 'hour';

/** What a batch adds to one row of the sales statistics. */
export interface SalesDelta {
  readonly window: SalesWindow;
  readonly store: string;
  readonly type: string;
  /** The window's start; the epoch for `total`. */
  readonly windowStart: Date;
  readonly count: number;
  /** Sum of amounts in cents (exact: amounts have at most two decimals). */
  readonly cents: bigint;
  readonly min: number;
  readonly max: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** The tumbling windows a transaction counts in, by the time it occurred, in UTC. */
function windowsOf(occurredAt: string): [SalesWindow, Date][] {
  const at = Date.parse(occurredAt);
  return [
    ['total', new Date(0)],
    ['minute', new Date(Math.floor(at / MINUTE_MS) * MINUTE_MS)],
    ['hour', new Date(Math.floor(at / HOUR_MS) * HOUR_MS)],
  ];
}

/**
 * Folds transactions into one delta per (window, store, type, window start): a batch of thousands
 * becomes a few dozen rows, written with one upsert. Every type counts with its positive amount.
 */
export function foldSales(transactions: readonly Transaction[]): SalesDelta[] {
  const rows = new Map<string, SalesDelta>();
  for (const tx of transactions) {
    const cents = toCents(tx.amount);
    for (const [window, windowStart] of windowsOf(tx.occurredAt)) {
      const key = `${window}\u0000${tx.store}\u0000${tx.type}\u0000${windowStart.getTime()}`;
      const row = rows.get(key);
      rows.set(
        key,
        row
          ? {
              ...row,
              count: row.count + 1,
              cents: row.cents + cents,
              min: Math.min(row.min, tx.amount),
              max: Math.max(row.max, tx.amount),
            }
          : { window, store: tx.store, type: tx.type, windowStart, count: 1, cents, min: tx.amount, max: tx.amount },
      );
    }
  }
  return [...rows.values()];
}
