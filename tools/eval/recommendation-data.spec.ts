import { STORES, type Transaction } from '@nurt/contracts';
import {
  byTaste,
  distanceKm,
  generateShoppingData,
  hitRate,
  holdOutLastNewStore,
  mostPopularUnvisited,
  popularity,
} from './recommendation-data.js';

type Tx = Transaction & { customerId: string };
let n = 0;
const tx = (customerId: string, store: string, day: number): Tx => ({
  id: `t${n++}`,
  amount: 10,
  currency: 'PLN',
  store,
  type: 'purchase',
  customerId,
  occurredAt: new Date(Date.UTC(2026, 0, day)).toISOString(),
});

describe('hitRate', () => {
  const heldOut = new Map([
    ['a', 'Gdansk'],
    ['b', 'Lodz'],
    ['c', 'Krakow'],
    ['d', 'Lublin'],
  ]);
  const lists = new Map([
    ['a', ['Gdansk', 'Warsaw', 'Lodz']],
    ['b', ['Warsaw', 'Krakow', 'Lodz']],
    ['c', ['Warsaw', 'Krakow']],
    // d has no list: a miss, still counted
  ]);

  it('counts a hit when the held-out store is among the first k', () => {
    expect(hitRate(heldOut, lists, 1)).toEqual({ k: 1, hits: 1, customers: 4, rate: 0.25 });
    expect(hitRate(heldOut, lists, 2)).toEqual({ k: 2, hits: 2, customers: 4, rate: 0.5 });
    expect(hitRate(heldOut, lists, 3)).toEqual({ k: 3, hits: 3, customers: 4, rate: 0.75 });
    expect(hitRate(heldOut, lists, 5).hits).toBe(3);
  });

  it('is 0 with nobody to evaluate and refuses a k below 1', () => {
    expect(hitRate(new Map(), lists, 3).rate).toBe(0);
    expect(() => hitRate(heldOut, lists, 0)).toThrow(/k must be/);
  });
});

describe('holdOutLastNewStore', () => {
  it('holds out the last purchase in a new store and what follows, by event time', () => {
    const rows = [
      tx('a', 'Warsaw', 1),
      tx('a', 'Lodz', 3),
      tx('a', 'Warsaw', 4),
      tx('a', 'Krakow', 6), // the last new store: held out
      tx('a', 'Lodz', 7), // after it: not sent either
      tx('a', 'Warsaw', 2),
    ];
    const { training, heldOut } = holdOutLastNewStore(rows);
    expect(heldOut).toEqual(new Map([['a', 'Krakow']]));
    expect(training.map((t) => `${t.store}@${t.occurredAt.slice(8, 10)}`)).toEqual([
      'Warsaw@01',
      'Lodz@03',
      'Warsaw@04',
      'Warsaw@02',
    ]);
  });

  it('keeps a one-store customer whole and does not evaluate it', () => {
    const { training, heldOut } = holdOutLastNewStore([tx('b', 'Gdansk', 1), tx('b', 'Gdansk', 2)]);
    expect(heldOut.size).toBe(0);
    expect(training).toHaveLength(2);
  });

  it('never holds out a store the customer had visited before', () => {
    const data = generateShoppingData({
      seed: 5,
      customers: 300,
      firstId: 1,
      idPrefix: 'x',
      end: new Date(Date.UTC(2026, 10, 24)),
    });
    const { training, heldOut } = holdOutLastNewStore(data.transactions);
    const { visited } = popularity(training);
    expect(heldOut.size).toBeGreaterThan(50);
    for (const [customer, store] of heldOut) expect(visited.get(customer)?.has(store)).toBe(false);
  });
});

describe('popularity and the baseline', () => {
  const training = [
    tx('a', 'Warsaw', 1),
    tx('a', 'Warsaw', 2),
    tx('a', 'Warsaw', 3),
    tx('a', 'Warsaw', 5),
    tx('a', 'Lodz', 4),
    tx('b', 'Lodz', 1),
    tx('c', 'Lodz', 1),
    tx('c', 'Gdansk', 2),
  ];

  it('ranks stores by customers and by transactions', () => {
    const pop = popularity(training);
    expect(pop.byCustomers).toEqual(['Lodz', 'Warsaw', 'Gdansk']);
    expect(pop.byTransactions).toEqual(['Warsaw', 'Lodz', 'Gdansk']);
    expect(pop.visited.get('c')).toEqual(new Set(['Lodz', 'Gdansk']));
  });

  it('leaves out what the customer visited', () => {
    const pop = popularity(training);
    expect(mostPopularUnvisited(pop.byCustomers, pop.visited.get('b') ?? new Set(), 3)).toEqual(['Warsaw', 'Gdansk']);
    expect(mostPopularUnvisited(pop.byCustomers, new Set(), 1)).toEqual(['Lodz']);
  });
});

describe('generateShoppingData', () => {
  const options = { seed: 11, customers: 400, firstId: 100, idPrefix: 'g', end: new Date(Date.UTC(2026, 10, 24)) };

  it('is deterministic per seed', () => {
    expect(generateShoppingData(options)).toEqual(generateShoppingData(options));
    expect(generateShoppingData({ ...options, seed: 12 }).transactions).not.toEqual(
      generateShoppingData(options).transactions,
    );
  });

  it('makes valid purchases in the chain’s stores, mostly at home, with few-purchase customers among them', () => {
    const { shoppers, transactions } = generateShoppingData(options);
    const stores = new Set(STORES.map((s) => s.store));
    expect(shoppers.map((s) => s.customer.id)).toEqual(Array.from({ length: 400 }, (_, i) => 100 + i));
    expect(new Set(transactions.map((t) => t.id)).size).toBe(transactions.length);
    for (const t of transactions) {
      expect(stores.has(t.store)).toBe(true);
      expect(t.amount).toBeGreaterThan(0);
      expect(Math.round(t.amount * 100)).toBeCloseTo(t.amount * 100, 6);
    }
    const home = new Map(shoppers.map((s) => [String(s.customer.id), s.customer.city]));
    const atHome = transactions.filter((t) => home.get(t.customerId) === t.store).length;
    expect(atHome / transactions.length).toBeGreaterThan(0.5);
    expect(atHome / transactions.length).toBeLessThan(0.95);
    const perCustomer = new Map<string, number>();
    for (const t of transactions) perCustomer.set(t.customerId, (perCustomer.get(t.customerId) ?? 0) + 1);
    expect([...perCustomer.values()].filter((c) => c <= 3).length).toBeGreaterThan(20);
  });

  it('gives shoppers of a habit a taste for its stores (seaside: the coast beats the south)', () => {
    const { shoppers } = generateShoppingData({ ...options, customers: 2000 });
    const mean = (habit: string, store: string): number => {
      const of = shoppers.filter((s) => s.habit === habit && s.customer.city !== store);
      return of.reduce((sum, s) => sum + (s.taste[store] ?? 0), 0) / of.length;
    };
    expect(mean('seaside', 'Gdansk')).toBeGreaterThan(2 * mean('south', 'Gdansk'));
    expect(mean('south', 'Katowice')).toBeGreaterThan(2 * mean('seaside', 'Katowice'));
  });

  it('ranks a shopper’s unvisited stores by taste', () => {
    const [shopper] = generateShoppingData(options).shoppers;
    if (!shopper) throw new Error('no shopper');
    const ranking = byTaste(shopper, new Set([shopper.customer.city]));
    expect(ranking).toHaveLength(STORES.length - 1);
    expect(ranking).not.toContain(shopper.customer.city);
    const tastes = ranking.map((s) => shopper.taste[s] ?? 0);
    expect(tastes).toEqual([...tastes].sort((a, b) => b - a));
  });

  it('measures distances between stores', () => {
    expect(distanceKm('Warsaw', 'Krakow')).toBeGreaterThan(240);
    expect(distanceKm('Warsaw', 'Krakow')).toBeLessThan(260);
    expect(() => distanceKm('Warsaw', 'Paris')).toThrow(/unknown store Paris/);
  });
});
