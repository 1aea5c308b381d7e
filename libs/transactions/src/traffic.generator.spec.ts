import { parseTransaction, STORES } from '@nurt/contracts';
import { storeDistanceKm, type CustomerTransaction } from './shoppers.js';
import { customerHabits, generateShopTraffic, type ShopTraffic, type ShopTrafficOptions } from './traffic.generator.js';
import { formatTransactionLine } from './transaction-line.js';

const customers = Array.from({ length: 200 }, (_, i) => String(i + 1));
const END = Date.UTC(2026, 10, 30, 17, 45);
const base: ShopTrafficOptions = { customers, count: 1000, seed: 7, idPrefix: 'T-', end: END };
const at = (t: CustomerTransaction): number => Date.parse(t.occurredAt);

/** The honest transactions (no incident's) of each customer, in event order. */
function honestByCustomer(...runs: ShopTraffic[]): Map<string, CustomerTransaction[]> {
  const by = new Map<string, CustomerTransaction[]>();
  for (const run of runs) {
    const victims = new Set(run.incidents.map((i) => i.customerId));
    for (const t of run.transactions) {
      if (victims.has(t.customerId)) continue;
      by.set(t.customerId, [...(by.get(t.customerId) ?? []), t]);
    }
  }
  for (const list of by.values()) list.sort((a, b) => at(a) - at(b));
  return by;
}

/** Pairs of a customer's consecutive transactions in cities at least 100 km apart faster than 300 km/h. */
function impossibleTrips(by: Map<string, CustomerTransaction[]>): string[] {
  const found: string[] = [];
  for (const list of by.values()) {
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1], list[i]];
      if (!a || !b) continue;
      const km = storeDistanceKm(a.store, b.store);
      const hours = (at(b) - at(a)) / 3_600_000;
      if (km >= 100 && km / hours > 300) found.push(`${a.id} ${a.store} → ${b.id} ${b.store}`);
    }
  }
  return found;
}

describe('generateShopTraffic (npm run produce)', () => {
  const traffic = generateShopTraffic(base);

  it('makes exactly `count` valid transactions with unique ids, in the chain’s stores, the same for the same options', () => {
    expect(traffic.transactions).toHaveLength(1000);
    expect(generateShopTraffic(base)).toEqual(traffic);
    for (const tx of traffic.transactions) expect(parseTransaction(tx, { timestamp: new Date(END) }).ok).toBe(true);
    expect(new Set(traffic.transactions.map((t) => t.id)).size).toBe(1000);
    expect(traffic.transactions.every((t) => STORES.some((s) => s.store === t.store))).toBe(true);
    expect(new Set(traffic.transactions.map((t) => t.type))).toEqual(new Set(['purchase', 'refund', 'withdrawal']));
    expect(traffic.transactions.filter((t) => t.type === 'withdrawal').every((t) => t.amount % 25 === 0)).toBe(true);
    for (const count of [1, 20, 99, 2500])
      expect(generateShopTraffic({ ...base, count }).transactions).toHaveLength(count);
  });

  it('gives each customer a home city from their id alone: the same in runs with other seeds and periods', () => {
    const other = generateShopTraffic({ ...base, seed: 99, end: END + 3 * 86_400_000 });
    const homes = (run: ShopTraffic): Map<string, string> => {
      const counts = new Map<string, Map<string, number>>();
      for (const t of run.transactions) {
        const c = counts.get(t.customerId) ?? new Map<string, number>();
        c.set(t.store, (c.get(t.store) ?? 0) + 1);
        counts.set(t.customerId, c);
      }
      return new Map([...counts].map(([id, c]) => [id, [...c].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '']));
    };
    const first = homes(traffic);
    const second = homes(other);
    const both = [...first.keys()].filter((id) => second.has(id));
    expect(both.length).toBeGreaterThan(5);
    for (const id of both) {
      expect(first.get(id)).toBe(customerHabits(id).home);
      expect(second.get(id)).toBe(customerHabits(id).home);
    }
    expect(customerHabits('17')).toEqual(customerHabits('17'));
    // Bigger cities have more customers.
    const living = (city: string): number => customers.filter((id) => customerHabits(id).home === city).length;
    expect(living('Warsaw')).toBeGreaterThan(living('Rzeszow'));
  });

  it('spreads event times over the last days, in order, none in the future, and never dozens a minute', () => {
    const times = traffic.transactions.map(at);
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] ?? 0))).toBe(true);
    expect(Math.max(...times)).toBeLessThan(END);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(traffic.start);
    expect(END - traffic.start).toBeGreaterThanOrEqual(7 * 86_400_000);
    expect(END - Math.min(...times)).toBeGreaterThan(6 * 86_400_000);
    // Default end: now.
    const now = Date.now();
    const live = generateShopTraffic({ ...base, end: undefined, count: 300 });
    expect(Math.max(...live.transactions.map(at))).toBeLessThanOrEqual(now + 1000);
    // Honest shoppers: at most a few transactions an hour, nowhere near the velocity rule's 6 a minute.
    for (const list of honestByCustomer(traffic).values()) {
      const times = list.map(at);
      for (let i = 5; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 5] ?? 0)).toBeGreaterThan(60_000);
    }
    expect(traffic.customers.length).toBeGreaterThan(30);
    expect(1000 / traffic.customers.length).toBeGreaterThan(10); // a history per customer, not one or two each
  });

  it('travels honestly: other cities only on trips to the customer’s destination, at train or car speed, also across runs', () => {
    const by = honestByCustomer(traffic);
    const travellers = [...by].filter(([id, list]) => list.some((t) => t.store !== customerHabits(id).home));
    expect(travellers.length).toBeGreaterThan(0);
    for (const [id, list] of travellers) {
      const { home, destination } = customerHabits(id);
      expect(list.every((t) => t.store === home || t.store === destination)).toBe(true);
    }
    expect(impossibleTrips(by)).toEqual([]);
    // Two runs over overlapping periods (another seed, three hours later) agree on where everyone was.
    const later = generateShopTraffic({ ...base, seed: 8, idPrefix: 'U-', end: END + 3 * 3_600_000 });
    expect(impossibleTrips(honestByCustomer(traffic, later))).toEqual([]);
  });

  it('injects and labels a few incidents of each kind, each in a customer of its own', () => {
    expect(traffic.injected).toEqual({ velocity: 5, travel: 5, amount: 5, refund: 5 });
    const five = (kind: string): string[] => Array.from({ length: 5 }, () => kind);
    expect(traffic.incidents.map((i) => i.kind).sort()).toEqual([
      ...five('amount'),
      ...five('refund'),
      ...five('travel'),
      ...five('velocity'),
    ]);
    expect(new Set(traffic.incidents.map((i) => i.customerId)).size).toBe(20);
    const byId = new Map(traffic.transactions.map((t) => [t.id, t]));
    for (const i of traffic.incidents) {
      expect(i.transactionIds.length).toBeGreaterThan(0);
      for (const id of i.transactionIds) expect(byId.get(id)?.customerId).toBe(i.customerId);
      const ts = i.transactionIds.map((id) => at(byId.get(id) as CustomerTransaction));
      expect(Math.min(...ts)).toBe(i.startsAt);
      if (i.kind === 'velocity') {
        expect(i.transactionIds.length).toBeGreaterThanOrEqual(6);
        expect(Math.max(...ts) - i.startsAt).toBeLessThan(2 * 60_000);
      }
    }
    // Other ratios: none at 0; at most one incident per 20 transactions.
    expect(generateShopTraffic({ ...base, fraudRatio: 0 }).incidents).toEqual([]);
    expect(generateShopTraffic({ ...base, count: 200, fraudRatio: 0.1 }).injected).toEqual({
      velocity: 3,
      travel: 3,
      amount: 2,
      refund: 2,
    });
    expect(generateShopTraffic({ ...base, count: 100, fraudRatio: 1 }).incidents).toHaveLength(5);
  });

  it('refunds honest purchases at the store they were made, after them', () => {
    const by = honestByCustomer(traffic);
    let refunds = 0;
    for (const list of by.values()) {
      for (const r of list.filter((t) => t.type === 'refund')) {
        refunds++;
        const earlier = list.filter((p) => p.type === 'purchase' && p.store === r.store && at(p) < at(r));
        expect(earlier.some((p) => p.amount >= r.amount)).toBe(true);
      }
    }
    expect(refunds).toBeGreaterThan(0);
  });

  it('grows the period when the customers are too few for the count', () => {
    const few = generateShopTraffic({ ...base, customers: customers.slice(0, 10), count: 2000 });
    expect(few.transactions).toHaveLength(2000);
    expect(few.customers).toHaveLength(10);
    expect(few.incidents).toHaveLength(9); // one customer of the ten left honest
    expect(END - few.start).toBeGreaterThan(14 * 86_400_000);
  });
});

describe('formatTransactionLine', () => {
  it("prints the lecture's line with the partition", () => {
    expect(formatTransactionLine(2, '17', { id: 'TX5001', amount: 1250, store: 'Warsaw', type: 'purchase' })).toBe(
      '[partition=2 offset=17] TX5001: 1250.00 PLN (Warsaw)',
    );
    expect(formatTransactionLine(0, '3', 'not json')).toBe('[partition=0 offset=3] "not json"');
  });
});
