import { toCents, type CustomerChange, type CustomerEvent, type Transaction } from '@nurt/contracts';

interface Totals {
  count: number;
  /** Amounts in cents (exact: amounts have at most two decimals). */
  cents: bigint;
}

/** A customer's count and amount for one store, or for one transaction type. */
export type CustomerCount = Totals & { readonly customerId: string; readonly key: string };

/** What a batch adds to the profiles, per customer, and to their counts per store and per type. */
export interface ProfileDeltas {
  readonly profiles: ReadonlyMap<string, Totals & { first: number; last: number }>;
  readonly stores: ReadonlyMap<string, CustomerCount>;
  readonly types: ReadonlyMap<string, CustomerCount>;
}

function add<T extends Totals>(map: Map<string, T>, key: string, fresh: () => T, cents: bigint): T {
  const row = map.get(key) ?? fresh();
  row.count += 1;
  row.cents += cents;
  map.set(key, row);
  return row;
}

/** Folds transactions with a customer into one row per customer, per customer and store, per customer and type. */
export function foldProfiles(transactions: readonly (Transaction & { customerId: string })[]): ProfileDeltas {
  const profiles = new Map<string, Totals & { first: number; last: number }>();
  const stores = new Map<string, CustomerCount>();
  const types = new Map<string, CustomerCount>();
  const counter = (customerId: string, key: string) => (): CustomerCount => ({ customerId, key, count: 0, cents: 0n });
  for (const tx of transactions) {
    const cents = toCents(tx.amount);
    const at = Date.parse(tx.occurredAt);
    const p = add(profiles, tx.customerId, () => ({ count: 0, cents: 0n, first: at, last: at }), cents);
    p.first = Math.min(p.first, at);
    p.last = Math.max(p.last, at);
    add(stores, `${tx.customerId}\u0000${tx.store}`, counter(tx.customerId, tx.store), cents);
    add(types, `${tx.customerId}\u0000${tx.type}`, counter(tx.customerId, tx.type), cents);
  }
  return { profiles, stores, types };
}

/**
 * The state a batch of `customers` records leaves per customer, in offset order: a delete replaces
 * whatever came before it; of two states the newer `updatedAt` wins (an older one arriving later
 * changes nothing), as the table's upsert also keeps the newer one.
 */
export function foldCustomerChanges(changes: readonly CustomerChange[]): Map<string, CustomerEvent | null> {
  const latest = new Map<string, CustomerEvent | null>();
  for (const change of changes) {
    const current = latest.get(change.key);
    if (change.customer !== null && current && Date.parse(current.updatedAt) > Date.parse(change.customer.updatedAt)) {
      continue;
    }
    latest.set(change.key, change.customer);
  }
  return latest;
}
