/**
 * Labelled shopping for the fraud evaluation (`npm run eval:fraud`): seeded, so a run repeats
 * byte for byte. Customers live in a city of the chain, shop at their home store at their own
 * hours and pace, with amounts of their own scale and spread (log-normal: many small baskets, a
 * few large ones); some use cash machines; some take an honest trip to another city (at train or
 * car speed) and shop there; some refund earlier purchases. On top of that, incidents of four
 * kinds are injected into as many distinct customers, each with the ids of its transactions:
 * - velocity: a card tested by a burst of small purchases seconds apart;
 * - travel: the card used in a store far away minutes after the customer shopped at home;
 * - amount: one purchase far above what the customer ever spends;
 * - refund: a refund with no purchase behind it (at a store they never bought at, or more than
 *   they ever paid there).
 */
import { DEFAULT_CURRENCY, STORES, type Transaction, type TransactionType } from '@nurt/contracts';
import { mulberry32, normal, shuffled, type Random } from '@nurt/random';
import { distanceKm } from '../../libs/fraud/src/fraud.rules.js';

export const INCIDENT_KINDS = ['velocity', 'travel', 'amount', 'refund'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface Incident {
  readonly id: string;
  readonly kind: IncidentKind;
  readonly customerId: string;
  /** The fraudulent transactions (what an alert should point at). */
  readonly transactionIds: readonly string[];
  /** Event time of its first transaction, ms. */
  readonly startsAt: number;
}

export type CustomerTransaction = Transaction & { customerId: string };

export interface FraudTraffic {
  /** In event-time order, as terminals would send them. */
  readonly transactions: readonly CustomerTransaction[];
  readonly incidents: readonly Incident[];
  readonly customers: readonly string[];
}

export interface TrafficOptions {
  readonly seed: number;
  readonly customers: number;
  readonly days: number;
  /** Incidents of each kind, each in its own customer. */
  readonly incidentsPerKind: number;
  /** Start of the period (ms). */
  readonly start: number;
  /** Prefix of every id (customers and transactions); per seed, so a run's ids (and the docs' alert ids) repeat. */
  readonly prefix: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

/** Bigger cities have more customers. */
const CITY_WEIGHT: Readonly<Record<string, number>> = {
  Warsaw: 4,
  Krakow: 2.5,
  Lodz: 1.8,
  Wroclaw: 1.8,
  Poznan: 1.5,
  Gdansk: 1.5,
};

interface Shopper {
  readonly id: string;
  readonly home: string;
  readonly perDay: number;
  readonly hour: number;
  readonly hourSd: number;
  /** Median purchase and the spread of its logarithm. */
  readonly median: number;
  readonly logSd: number;
  /** Share of transactions that are cash withdrawals (0 for those who never use one). */
  readonly cash: number;
  /** Their usual cash withdrawal. */
  readonly cashUsual: number;
  readonly refunds: number;
  readonly trip: { readonly to: string; readonly leave: number; readonly stayDays: number } | null;
}

const money = (n: number): number => Math.max(0.01, Math.round(n * 100) / 100);

function pickCity(random: Random): string {
  const weights = STORES.map((s) => CITY_WEIGHT[s.store] ?? 1);
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < STORES.length; i++) {
    r -= weights[i] ?? 0;
    if (r < 0) return STORES[i]?.store ?? 'Warsaw';
  }
  return 'Warsaw';
}

const location = (store: string): { lat: number; lon: number } => {
  const found = STORES.find((s) => s.store === store);
  if (!found) throw new Error(`unknown store ${store}`);
  return found;
};

/** Hours an honest traveller needs between two cities (car or train, 70–110 km/h, plus getting going). */
function travelHours(random: Random, from: string, to: string): number {
  return distanceKm(location(from), location(to)) / (70 + random() * 40) + 0.5 + random();
}

function makeShopper(random: Random, id: string, days: number, start: number): Shopper {
  const home = pickCity(random);
  const travels = random() < 0.25;
  const destinations = STORES.map((s) => s.store).filter((s) => s !== home);
  const to = destinations[Math.floor(random() * destinations.length)] ?? 'Krakow';
  return {
    id,
    home,
    perDay: Math.min(6, Math.max(1, 2.2 * Math.exp(0.45 * normal(random)))),
    hour: 9 + random() * 10,
    hourSd: 1 + random() * 2,
    median: Math.min(400, Math.max(12, 60 * Math.exp(0.6 * normal(random)))),
    logSd: 0.3 + random() * 0.4,
    cash: random() < 0.6 ? 0.08 + random() * 0.12 : 0,
    cashUsual: [50, 100, 100, 200, 200, 300][Math.floor(random() * 6)] ?? 100,
    refunds: 0.02 + random() * 0.03,
    trip: travels
      ? { to, leave: start + (2 + random() * (days - 5)) * DAY, stayDays: 1 + Math.floor(random() * 3) }
      : null,
  };
}

/** Makes a customer's transaction at a time (ms) and appends it to `into`. */
function writer(
  customerId: string,
  next: () => string,
  into: CustomerTransaction[],
): (at: number, store: string, type: TransactionType, amount: number) => CustomerTransaction {
  return (at, store, type, amount) => {
    const t: CustomerTransaction = {
      id: next(),
      amount: money(amount),
      currency: DEFAULT_CURRENCY,
      store,
      type,
      customerId,
      occurredAt: new Date(Math.round(at)).toISOString(),
    };
    into.push(t);
    return t;
  };
}

/** The honest transactions of one shopper over the period. */
function honestShopping(
  random: Random,
  s: Shopper,
  start: number,
  days: number,
  next: () => string,
): CustomerTransaction[] {
  const out: CustomerTransaction[] = [];
  const tx = writer(s.id, next, out);
  // Where the shopper is at a time: home, or (after getting there) the trip's city until they leave it.
  let away: { from: number; until: number; city: string } | null = null;
  if (s.trip) {
    const there = s.trip.leave + travelHours(random, s.home, s.trip.to) * HOUR;
    const back = s.trip.leave + s.trip.stayDays * DAY;
    away = { from: there, until: back, city: s.trip.to };
  }
  const blackout = s.trip ? { from: s.trip.leave, until: s.trip.leave + s.trip.stayDays * DAY } : null;
  const afterReturn = s.trip && away ? away.until + travelHours(random, s.trip.to, s.home) * HOUR : 0;

  for (let day = 0; day < days; day++) {
    // Poisson-ish count for the day around the shopper's pace.
    let count = 0;
    for (let l = Math.exp(-s.perDay), p = random(); p > l; p *= random()) count++;
    for (let i = 0; i < count; i++) {
      const hour = Math.min(22.9, Math.max(6, s.hour + s.hourSd * normal(random)));
      const at = start + day * DAY + hour * HOUR + random() * MINUTE;
      let store = s.home;
      if (blackout && at >= blackout.from && at < afterReturn) {
        // On the way: no shopping; there: the trip's city.
        if (!away || at < away.from || at >= away.until) continue;
        store = away.city;
      }
      if (random() < s.cash) {
        // Cash in round amounts around the shopper's usual withdrawal: half, the same, or up to three times it.
        const times = [0.5, 1, 1, 1, 1.5, 2, 3];
        tx(at, store, 'withdrawal', s.cashUsual * (times[Math.floor(random() * times.length)] ?? 1));
        continue;
      }
      const purchase = tx(at, store, 'purchase', s.median * Math.exp(s.logSd * normal(random)));
      if (store === s.home && random() < s.refunds) {
        // Returned at the same store (the rule's premise) within two weeks, all of it or a part.
        const later = at + (1 + random() * 13) * DAY;
        const awayThen = blackout !== null && later >= blackout.from - HOUR && later < afterReturn + HOUR;
        if (later < start + days * DAY && !awayThen) {
          tx(later, store, 'refund', random() < 0.7 ? purchase.amount : purchase.amount * (0.2 + random() * 0.7));
        }
      }
      // Now and then a second transaction a few minutes later (forgot something, or cash too).
      if (random() < 0.08)
        tx(at + (2 + random() * 10) * MINUTE, store, 'purchase', s.median * Math.exp(s.logSd * normal(random)) * 0.4);
    }
  }
  return out;
}

export function generateFraudTraffic(options: TrafficOptions): FraudTraffic {
  const random = mulberry32(options.seed);
  const { start, days, prefix } = options;
  let n = 0;
  const next = (): string => `${prefix}-t${(n++).toString(36)}`;
  const shoppers = Array.from({ length: options.customers }, (_, i) =>
    makeShopper(random, `${prefix}-c${i}`, days, start),
  );
  const transactions = shoppers.flatMap((s) => honestShopping(random, s, start, days, next));
  if (INCIDENT_KINDS.length * options.incidentsPerKind > shoppers.length) {
    throw new Error('more incidents than customers: each incident goes to a customer of its own');
  }
  const victims = shuffled(random, shoppers);
  const incidents: Incident[] = [];
  INCIDENT_KINDS.forEach((kind, k) => {
    for (let i = 0; i < options.incidentsPerKind; i++) {
      const s = victims[k * options.incidentsPerKind + i];
      const own = transactions.filter((t) => t.customerId === s.id);
      incidents.push(inject(random, kind, `${kind}-${i}`, s, own, options, next, transactions));
    }
  });
  transactions.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.id < b.id ? -1 : 1));
  return { transactions, incidents, customers: shoppers.map((s) => s.id) };
}

/** Adds one incident's transactions to `all`, in the last two thirds of the period (the customer has a history by then). */
function inject(
  random: Random,
  kind: IncidentKind,
  id: string,
  s: Shopper,
  own: readonly CustomerTransaction[],
  { start, days }: TrafficOptions,
  next: () => string,
  all: CustomerTransaction[],
): Incident {
  const add = writer(s.id, next, all);
  const from = start + (days / 3) * DAY;
  const to = start + (days - 0.5) * DAY;
  let at = from + random() * (to - from);
  // Not while the customer is on an honest trip (a day either side): that would be a second incident.
  for (let tries = 0; s.trip && tries < 100; tries++) {
    if (at < s.trip.leave - DAY || at > s.trip.leave + (s.trip.stayDays + 2) * DAY) break;
    at = from + random() * (to - from);
  }
  const made: CustomerTransaction[] = [];
  if (kind === 'velocity') {
    // A stolen card tested at the home store: 6–10 small purchases, 4–12 s apart.
    let t = at;
    const count = 6 + Math.floor(random() * 5);
    for (let i = 0; i < count; i++, t += (4 + random() * 8) * 1000)
      made.push(add(t, s.home, 'purchase', 2 + random() * 20));
  } else if (kind === 'travel') {
    // The customer shops at home; minutes later the card is used in a city at least 250 km away.
    const far = STORES.filter((c) => distanceKm(location(s.home), c) >= 250);
    const city = far[Math.floor(random() * far.length)]?.store ?? 'Gdansk';
    const km = distanceKm(location(s.home), location(city));
    add(at, s.home, 'purchase', s.median * Math.exp(s.logSd * normal(random)));
    // Implied speed at least 500 km/h: no train or car does that.
    const minutes = 5 + random() * ((km / 500) * 60 - 5);
    made.push(add(at + minutes * MINUTE, city, 'purchase', s.median * (1 + random() * 2)));
  } else if (kind === 'amount') {
    made.push(add(at, s.home, 'purchase', s.median * (15 + random() * 35)));
  } else {
    const bought = new Set(own.filter((t) => t.type === 'purchase').map((t) => t.store));
    const never = STORES.map((c) => c.store).filter((c) => !bought.has(c));
    if (never.length > 0 && random() < 0.5) {
      made.push(
        add(at, never[Math.floor(random() * never.length)] ?? 'Rzeszow', 'refund', s.median * (1 + random() * 3)),
      );
    } else {
      const most = Math.max(0, ...own.filter((t) => t.type === 'purchase' && t.store === s.home).map((t) => t.amount));
      made.push(add(at, s.home, 'refund', Math.max(most, s.median) * (1.5 + random() * 2)));
    }
  }
  return {
    id,
    kind,
    customerId: s.id,
    transactionIds: made.map((t) => t.id),
    startsAt: Date.parse(made[0]?.occurredAt ?? new Date(at).toISOString()),
  };
}
