/**
 * The pure half of `npm run eval:recommendation`: seeded shoppers and their purchases, the
 * hold-out split, the most-popular baseline and hit rate at k. No Kafka, no app: the unit spec
 * next to this file checks it, and tools/eval/recommendation.ts runs it through the pipeline.
 */
import { STORES, type CustomerEvent, type CustomerSegment, type Transaction } from '@nurt/contracts';
import { generateCustomers } from '@nurt/customers';
import { mulberry32, normal, weightedPick, type Random } from '@nurt/random';

const DAY_MS = 86_400_000;

/**
 * Shopping habits beyond the home store and its neighbours; every shopper follows one:
 * - local: home and nearby stores only (distance does all the work);
 * - business: the big cities' stores, wherever home is (trips to head offices and fairs);
 * - seaside: holidays on the coast (Gdansk, Szczecin) and the towns on the way north;
 * - south: the mountains and the south (Krakow, Katowice, Rzeszow).
 */
export const HABITS = ['local', 'business', 'seaside', 'south'] as const;
export type Habit = (typeof HABITS)[number];

const HABIT_STORES: Readonly<Record<Habit, Readonly<Record<string, number>>>> = {
  local: {},
  business: { Warsaw: 4, Krakow: 3, Wroclaw: 3, Poznan: 2.5, Gdansk: 2 },
  seaside: { Gdansk: 6, Szczecin: 4, Bydgoszcz: 1.5 },
  south: { Krakow: 5, Katowice: 3, Rzeszow: 3 },
};

/** Premium customers travel on business more often; basic ones stay local more often. */
const HABIT_WEIGHTS: Readonly<Record<CustomerSegment, Readonly<Record<Habit, number>>>> = {
  premium: { local: 0.3, business: 0.4, seaside: 0.15, south: 0.15 },
  standard: { local: 0.45, business: 0.2, seaside: 0.18, south: 0.17 },
  basic: { local: 0.6, business: 0.08, seaside: 0.16, south: 0.16 },
};

/** How much a store draws shoppers from elsewhere, by the size of its city (Warsaw = 1). */
const DRAW: Readonly<Record<string, number>> = {
  Warsaw: 1,
  Krakow: 0.65,
  Lodz: 0.45,
  Wroclaw: 0.55,
  Poznan: 0.5,
  Gdansk: 0.5,
  Szczecin: 0.35,
  Bydgoszcz: 0.3,
  Lublin: 0.3,
  Bialystok: 0.25,
  Katowice: 0.35,
  Rzeszow: 0.2,
};

export interface Shopper {
  readonly customer: CustomerEvent;
  readonly habit: Habit;
  /** Relative chance of each store for one purchase (positive for every store). */
  readonly taste: Readonly<Record<string, number>>;
}

export interface GeneratedData {
  readonly shoppers: readonly Shopper[];
  /** Every purchase of every shopper, in event-time order. */
  readonly transactions: readonly (Transaction & { customerId: string })[];
}

export interface GenerateOptions {
  readonly seed: number;
  readonly customers: number;
  /** Customer ids are `firstId`, `firstId + 1`, …; transaction ids start with `idPrefix`. */
  readonly firstId: number;
  readonly idPrefix: string;
  /** The end of the generated event time; purchases fall in the 120 days before it. */
  readonly end: Date;
}

/** Great-circle distance in km between two of the chain's stores. */
export function distanceKm(a: string, b: string): number {
  const p = STORES.find((s) => s.store === a);
  const q = STORES.find((s) => s.store === b);
  if (!p || !q) throw new Error(`unknown store ${p ? b : a}`);
  const rad = Math.PI / 180;
  const dLat = (q.lat - p.lat) * rad;
  const dLon = (q.lon - p.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(p.lat * rad) * Math.cos(q.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/**
 * A shopper's taste: the home store first (its weight varies a lot between people), other stores
 * by how much their city draws, fading with distance over the shopper's own travel range, raised
 * by the shopper's habit, and each multiplied by personal noise (log-normal), so that no two
 * shoppers of a habit and a city are alike.
 */
function tasteOf(random: Random, city: string, habit: Habit, segment: CustomerSegment): Record<string, number> {
  const range = 120 * Math.exp(0.5 * normal(random)) * (segment === 'premium' ? 1.5 : 1);
  const taste: Record<string, number> = {};
  for (const { store } of STORES) {
    const base =
      store === city
        ? 4 * Math.exp(0.6 * normal(random))
        : (DRAW[store] ?? 0.2) * Math.exp(-distanceKm(city, store) / range) + (HABIT_STORES[habit][store] ?? 0) * 0.25;
    taste[store] = base * Math.exp(0.7 * normal(random)) + 0.002;
  }
  return taste;
}

/** How many purchases a shopper makes in the period: mostly a few, some many (log-normal, 1..60). */
function purchaseCount(random: Random): number {
  return Math.max(1, Math.min(60, Math.round(Math.exp(Math.log(7) + 0.8 * normal(random)))));
}

/**
 * `customers` shoppers (names, cities and segments as the customers service generates them) and
 * their purchases over 120 days, deterministic per seed.
 */
export function generateShoppingData(options: GenerateOptions): GeneratedData {
  const random = mulberry32(options.seed);
  const people = generateCustomers(options.customers, { seed: options.seed });
  const end = options.end.getTime();
  const created = new Date(end - 150 * DAY_MS).toISOString();
  const shoppers: Shopper[] = [];
  const transactions: (Transaction & { customerId: string })[] = [];
  people.forEach((person, i) => {
    const id = options.firstId + i;
    const habit = weightedPick(random, HABIT_WEIGHTS[person.segment]);
    const taste = tasteOf(random, person.city, habit, person.segment);
    shoppers.push({
      customer: { id, ...person, createdAt: created, updatedAt: created },
      habit,
      taste,
    });
    const n = purchaseCount(random);
    const times = Array.from({ length: n }, () => end - Math.floor(random() * 120 * DAY_MS)).sort((a, b) => a - b);
    for (const at of times) {
      const spend = Math.exp(Math.log(80) + 0.9 * normal(random));
      transactions.push({
        id: `${options.idPrefix}${transactions.length}`,
        amount: Math.max(1, Math.round(spend * 100) / 100),
        currency: 'PLN',
        store: weightedPick(random, taste),
        type: random() < 0.93 ? 'purchase' : 'withdrawal',
        customerId: String(id),
        occurredAt: new Date(at).toISOString(),
      });
    }
  });
  transactions.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));
  return { shoppers, transactions };
}

export interface HoldOut {
  /** What goes through the pipeline: every purchase before each customer's held-out one. */
  readonly training: readonly (Transaction & { customerId: string })[];
  /** Per evaluated customer, the store of the held-out purchase (one the customer had not visited before). */
  readonly heldOut: ReadonlyMap<string, string>;
}

/**
 * Per customer (by event time): the last purchase in a store the customer had not visited before
 * is held out, with everything after it; what came before is the training part. A customer who
 * never went to a second store has nothing to hold out: all of it trains, and it is not evaluated.
 * Recommendations are of stores the customer has not visited, so only a new store can be a hit.
 */
export function holdOutLastNewStore(transactions: readonly (Transaction & { customerId: string })[]): HoldOut {
  const byCustomer = new Map<string, (Transaction & { customerId: string })[]>();
  for (const tx of transactions) {
    const list = byCustomer.get(tx.customerId) ?? [];
    list.push(tx);
    byCustomer.set(tx.customerId, list);
  }
  const cutAt = new Map<string, string>();
  const heldOut = new Map<string, string>();
  for (const [customer, list] of byCustomer) {
    const ordered = [...list].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));
    const seen = new Set<string>();
    let cut: Transaction | undefined;
    ordered.forEach((tx, i) => {
      if (i > 0 && !seen.has(tx.store)) cut = tx;
      seen.add(tx.store);
    });
    if (!cut) continue;
    cutAt.set(customer, cut.id);
    heldOut.set(customer, cut.store);
  }
  const dropped = new Set<string>();
  for (const [customer, list] of byCustomer) {
    const cutId = cutAt.get(customer);
    if (cutId === undefined) continue;
    const ordered = [...list].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));
    const from = ordered.findIndex((tx) => tx.id === cutId);
    for (const tx of ordered.slice(from)) dropped.add(tx.id);
  }
  return { training: transactions.filter((tx) => !dropped.has(tx.id)), heldOut };
}

export interface Popularity {
  /** Stores by how many customers visited them, most first (ties by transactions, then name). */
  readonly byCustomers: readonly string[];
  /** Stores by how many transactions they had, most first (ties by name). */
  readonly byTransactions: readonly string[];
  /** Each customer's visited stores in the training part. */
  readonly visited: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Store popularity and each customer's visited stores, from the training part. */
export function popularity(training: readonly (Transaction & { customerId: string })[]): Popularity {
  const txs = new Map<string, number>();
  const visitors = new Map<string, Set<string>>();
  const visited = new Map<string, Set<string>>();
  for (const tx of training) {
    txs.set(tx.store, (txs.get(tx.store) ?? 0) + 1);
    const who = visitors.get(tx.store) ?? new Set<string>();
    who.add(tx.customerId);
    visitors.set(tx.store, who);
    const where = visited.get(tx.customerId) ?? new Set<string>();
    where.add(tx.store);
    visited.set(tx.customerId, where);
  }
  const stores = [...txs.keys()];
  const t = (s: string): number => txs.get(s) ?? 0;
  const c = (s: string): number => visitors.get(s)?.size ?? 0;
  return {
    byCustomers: [...stores].sort((a, b) => c(b) - c(a) || t(b) - t(a) || a.localeCompare(b)),
    byTransactions: [...stores].sort((a, b) => t(b) - t(a) || a.localeCompare(b)),
    visited,
  };
}

/** The baseline: the k first stores of a popularity ranking that the customer has not visited. */
export function mostPopularUnvisited(ranking: readonly string[], visited: ReadonlySet<string>, k: number): string[] {
  return ranking.filter((s) => !visited.has(s)).slice(0, k);
}

/**
 * What no recommender can know: the unvisited stores by the shopper's own generated taste, best
 * first. Its hit rate is a ceiling for the data, not a target (the held-out store is drawn from
 * that taste, so even this misses often).
 */
export function byTaste(shopper: Shopper, visited: ReadonlySet<string>): string[] {
  return Object.entries(shopper.taste)
    .filter(([store]) => !visited.has(store))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([store]) => store);
}

export interface HitRate {
  readonly k: number;
  readonly hits: number;
  readonly customers: number;
  readonly rate: number;
}

/**
 * Hit rate at k: the share of customers whose held-out store is among the first k of their list.
 * Every held-out customer counts, also one with no list (a miss).
 */
export function hitRate(
  heldOut: ReadonlyMap<string, string>,
  lists: ReadonlyMap<string, readonly string[]>,
  k: number,
): HitRate {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`k must be a positive integer, got ${k}`);
  let hits = 0;
  for (const [customer, store] of heldOut) {
    if ((lists.get(customer) ?? []).slice(0, k).includes(store)) hits++;
  }
  const customers = heldOut.size;
  return { k, hits, customers, rate: customers === 0 ? 0 : hits / customers };
}
