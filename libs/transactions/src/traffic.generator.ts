import { STORES, type Transaction, type TransactionType } from '@nurt/contracts';
import { mulberry32 } from '@nurt/random';

export interface TrafficOptions {
  /** Customer ids to draw from (the customers service's ids as strings). */
  readonly customers: readonly string[];
  /** Share of emitted transactions that belong to a fraud pattern, 0..1. */
  readonly fraudRatio?: number;
  readonly seed?: number;
  /** Prefix of every transaction id; make it unique per run. */
  readonly idPrefix: string;
  /** Stores to use; default: the chain's stores in Polish cities. */
  readonly stores?: readonly string[];
  readonly clock?: () => Date;
}

export type FraudPattern = 'large-amount' | 'velocity' | 'distant-cities' | 'refund-without-purchase';
export const FRAUD_PATTERNS: readonly FraudPattern[] = [
  'large-amount',
  'velocity',
  'distant-cities',
  'refund-without-purchase',
];

export interface GeneratedTraffic {
  readonly transactions: Transaction[];
  /** Set when the transactions form a fraud pattern. */
  readonly pattern?: FraudPattern;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * Realistic-looking retail traffic: each customer shops mostly in a home city, purchases are
 * log-normal around ~120 PLN, withdrawals are round sums, refunds follow earlier purchases. With
 * a fraud ratio it mixes in what the anti-fraud group should catch.
 */
export class TrafficGenerator {
  private readonly random: () => number;
  private readonly stores: readonly string[];
  private readonly home = new Map<string, string>();
  private readonly purchases = new Map<string, { store: string; amount: number }[]>();
  private sequence = 0;

  constructor(private readonly options: TrafficOptions) {
    if (options.customers.length === 0) throw new Error('TrafficGenerator needs at least one customer');
    this.random = mulberry32(options.seed ?? 1);
    this.stores = options.stores ?? STORES.map((s) => s.store);
  }

  /** One ordinary transaction, or a fraud pattern (several transactions) with probability fraudRatio. */
  next(): GeneratedTraffic {
    if (this.random() < (this.options.fraudRatio ?? 0)) {
      const pattern = this.pick(FRAUD_PATTERNS);
      return { pattern, transactions: this.fraud(pattern) };
    }
    return { transactions: [this.ordinary()] };
  }

  private ordinary(): Transaction {
    const customerId = this.pick(this.options.customers);
    const store = this.random() < 0.85 ? this.homeOf(customerId) : this.pick(this.stores);
    const roll = this.random();
    const earlier = this.purchases.get(customerId)?.find((p) => p.store === store);
    if (roll < 0.05 && earlier)
      return this.tx(customerId, store, 'refund', round2(earlier.amount * (0.3 + 0.7 * this.random())));
    if (roll < 0.15) return this.tx(customerId, store, 'withdrawal', 50 * (1 + Math.floor(this.random() * 10)));
    return this.tx(customerId, store, 'purchase', this.purchaseAmount());
  }

  private fraud(pattern: FraudPattern): Transaction[] {
    const customerId = this.pick(this.options.customers);
    const home = this.homeOf(customerId);
    switch (pattern) {
      case 'large-amount':
        return [this.tx(customerId, home, 'purchase', round2(this.purchaseAmount() * 40 + 5000))];
      case 'velocity':
        return Array.from({ length: 8 }, () => this.tx(customerId, home, 'purchase', this.purchaseAmount()));
      case 'distant-cities': {
        const far = this.stores.find((s) => s !== home) ?? home;
        return [
          this.tx(customerId, home, 'purchase', this.purchaseAmount()),
          this.tx(customerId, far, 'withdrawal', 1000),
        ];
      }
      case 'refund-without-purchase': {
        const elsewhere = this.stores.find(
          (s) => s !== home && !this.purchases.get(customerId)?.some((p) => p.store === s),
        );
        return [this.tx(customerId, elsewhere ?? home, 'refund', round2(500 + this.random() * 1500))];
      }
    }
  }

  private purchaseAmount(): number {
    // Log-normal: many small baskets, a long tail of large ones.
    const normal = Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
    return Math.max(1, round2(Math.exp(4.6 + 0.7 * normal)));
  }

  private tx(customerId: string, store: string, type: TransactionType, amount: number): Transaction {
    if (type === 'purchase') {
      const list = this.purchases.get(customerId) ?? [];
      list.push({ store, amount });
      if (list.length > 20) list.shift();
      this.purchases.set(customerId, list);
    }
    const now = this.options.clock?.() ?? new Date();
    return {
      id: `${this.options.idPrefix}${++this.sequence}`,
      amount,
      currency: 'PLN',
      store,
      type,
      customerId,
      occurredAt: now.toISOString(),
    };
  }

  private homeOf(customerId: string): string {
    let home = this.home.get(customerId);
    if (!home) {
      home = this.pick(this.stores);
      this.home.set(customerId, home);
    }
    return home;
  }

  private pick<T>(list: readonly T[]): T {
    const item = list[Math.floor(this.random() * list.length)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  }
}
