import type { Customer } from './customer.js';

export interface CustomerCacheOptions {
  /** Most customers kept; 0 turns the cache off. */
  readonly maxEntries: number;
  /** How long an entry may be served; Infinity when this process is the database's only writer. */
  readonly ttlMs: number;
  readonly now?: () => number;
}

/**
 * Customers by id, least recently used evicted first. A read may be cached only if no write of
 * this process completed while it was in flight (the epoch check), so a slow read of an old
 * state can never overwrite the eviction done by a newer write.
 */
export class CustomerCache {
  private readonly entries = new Map<number, { customer: Customer; expiresAt: number }>();
  private epoch = 0;
  private readonly now: () => number;

  constructor(private readonly options: CustomerCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.maxEntries > 0;
  }

  /** Pass the result to `remember` with the token, after reading from the database. */
  token(): number {
    return this.epoch;
  }

  get(id: number): Customer | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    // Re-inserting moves the entry to the young end of the Map's order.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.customer;
  }

  remember(customer: Customer, token: number): void {
    if (!this.enabled || token !== this.epoch) return;
    this.entries.set(customer.id, { customer, expiresAt: this.now() + this.options.ttlMs });
    if (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** After a write of `id` committed. */
  invalidate(id: number): void {
    this.epoch++;
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
