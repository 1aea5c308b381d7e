/**
 * The shopper model behind nurt's generated traffic (`npm run produce`, `npm run eval:fraud`, the
 * pipeline benchmark): seeded, so a run repeats byte for byte. Customers live in a city of the
 * chain, shop at their home store at their own hours and pace, with amounts of their own scale and
 * spread (log-normal: many small baskets, a few large ones); some use cash machines; some take an
 * honest trip to another city (at train or car speed) and shop there; some refund earlier
 * purchases. On top of that, incidents of four kinds can be injected, each into a customer of its
 * own, with the ids of its transactions:
 * - velocity: a card tested by a burst of small purchases seconds apart;
 * - travel: the card used in a store far away minutes after the customer shopped at home;
 * - amount: one purchase far above what the customer ever spends;
 * - refund: a refund with no purchase behind it (at a store they never bought at, or more than
 *   they ever paid there).
 */
import { DEFAULT_CURRENCY, STORES, type Transaction, type TransactionType } from '@nurt/contracts';
import { normal, type Random } from '@nurt/random';

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

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Bigger cities have more customers. */
const CITY_WEIGHT: Readonly<Record<string, number>> = {
  Warsaw: 4,
  Krakow: 2.5,
  Lodz: 1.8,
  Wroclaw: 1.8,
  Poznan: 1.5,
  Gdansk: 1.5,
};

/** An honest trip: leaves home at `leave`, shops in `to` for `stayDays` days, then heads home. */
export interface Trip {
  readonly to: string;
  readonly leave: number;
  readonly stayDays: number;
}

/** What a customer is like: where they live, how often, when and how much they spend. */
export interface Habits {
  readonly id: string;
  readonly home: string;
  /** Whether they travel at all, and where to. */
  readonly travels: boolean;
  readonly destination: string;
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
}

export interface Shopper extends Habits {
  /** Honest trips, in time order, none overlapping another. */
  readonly trips: readonly Trip[];
}

/** Where and when the shopping happens: days of `DAY` from `start`, nothing at or after `end`. */
export interface Period {
  readonly start: number;
  readonly days: number;
  readonly end: number;
}

export const money = (n: number): number => Math.max(0.01, Math.round(n * 100) / 100);

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

/**
 * Great-circle distance between two of the chain's stores (km): the same haversine the anti-fraud
 * rules use (libs/fraud `distanceKm`; a feature does not import another, so it is repeated here and
 * a spec in tools/eval checks that the two agree).
 */
export function storeDistanceKm(from: string, to: string): number {
  const a = location(from);
  const b = location(to);
  const rad = (d: number): number => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** Hours an honest traveller needs between two cities (car or train, 70–110 km/h, plus getting going). */
function travelHours(random: Random, from: string, to: string): number {
  return storeDistanceKm(from, to) / (70 + random() * 40) + 0.5 + random();
}

/**
 * A customer's habits, drawn from `random`. The order of the draws is part of the model: the
 * evaluation's traffic (and its documented results) depend on it.
 */
export function drawHabits(random: Random, id: string): Habits {
  const home = pickCity(random);
  const travels = random() < 0.25;
  const destinations = STORES.map((s) => s.store).filter((s) => s !== home);
  const destination = destinations[Math.floor(random() * destinations.length)] ?? 'Krakow';
  return {
    id,
    home,
    travels,
    destination,
    perDay: Math.min(6, Math.max(1, 2.2 * Math.exp(0.45 * normal(random)))),
    hour: 9 + random() * 10,
    hourSd: 1 + random() * 2,
    median: Math.min(400, Math.max(12, 60 * Math.exp(0.6 * normal(random)))),
    logSd: 0.3 + random() * 0.4,
    cash: random() < 0.6 ? 0.08 + random() * 0.12 : 0,
    cashUsual: [50, 100, 100, 200, 200, 300][Math.floor(random() * 6)] ?? 100,
    refunds: 0.02 + random() * 0.03,
  };
}

/** Makes a customer's transaction at a time (ms) and appends it to `into`. */
export function writer(
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

/** The honest transactions of one shopper over the period, in the order they were made up (not sorted). */
export function honestShopping(
  random: Random,
  s: Shopper,
  { start, days, end }: Period,
  next: () => string,
): CustomerTransaction[] {
  const out: CustomerTransaction[] = [];
  const tx = writer(s.id, next, out);
  // Each trip: left home at `leave`, there (after getting there) until `back`, home again at `home`;
  // no shopping on the way.
  const legs = s.trips.map((trip) => {
    const there = trip.leave + travelHours(random, s.home, trip.to) * HOUR;
    const back = trip.leave + trip.stayDays * DAY;
    return { leave: trip.leave, there, back, home: back + travelHours(random, trip.to, s.home) * HOUR, city: trip.to };
  });

  for (let day = 0; day < days; day++) {
    // Poisson-ish count for the day around the shopper's pace.
    let count = 0;
    for (let l = Math.exp(-s.perDay), p = random(); p > l; p *= random()) count++;
    for (let i = 0; i < count; i++) {
      const hour = Math.min(22.9, Math.max(6, s.hour + s.hourSd * normal(random)));
      const at = start + day * DAY + hour * HOUR + random() * MINUTE;
      if (at >= end) continue;
      let store = s.home;
      const leg = legs.find((l) => at >= l.leave && at < l.home);
      if (leg) {
        // On the way: no shopping; there: the trip's city.
        if (at < leg.there || at >= leg.back) continue;
        store = leg.city;
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
        const awayThen = legs.some((l) => later >= l.leave - HOUR && later < l.home + HOUR);
        if (later < end && !awayThen) {
          tx(later, store, 'refund', random() < 0.7 ? purchase.amount : purchase.amount * (0.2 + random() * 0.7));
        }
      }
      // Now and then a second transaction a few minutes later (forgot something, or cash too).
      if (random() < 0.08) {
        const again = at + (2 + random() * 10) * MINUTE;
        const amount = s.median * Math.exp(s.logSd * normal(random)) * 0.4;
        if (again < end) tx(again, store, 'purchase', amount);
      }
    }
  }
  return out;
}

/** Between which event times (ms) incidents go: late enough that the customer has a history. */
export interface IncidentWindow {
  readonly from: number;
  readonly to: number;
}

/**
 * Adds one incident's transactions to `all` (and the fraudulent ones' ids to the incident), at a
 * time within `window` when the customer is not on an honest trip.
 */
export function inject(
  random: Random,
  kind: IncidentKind,
  id: string,
  s: Shopper,
  own: readonly CustomerTransaction[],
  { from, to }: IncidentWindow,
  next: () => string,
  all: CustomerTransaction[],
): Incident {
  const add = writer(s.id, next, all);
  let at = from + random() * (to - from);
  // Not while the customer is on an honest trip (a day either side): that would be a second incident.
  const travelling = (t: number): boolean =>
    s.trips.some((trip) => t >= trip.leave - DAY && t <= trip.leave + (trip.stayDays + 2) * DAY);
  for (let tries = 0; s.trips.length > 0 && tries < 100; tries++) {
    if (!travelling(at)) break;
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
    const far = STORES.filter((c) => storeDistanceKm(s.home, c.store) >= 250);
    const city = far[Math.floor(random() * far.length)]?.store ?? 'Gdansk';
    const km = storeDistanceKm(s.home, city);
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

/** Event-time order, ties by id. */
export function byEventTime(a: CustomerTransaction, b: CustomerTransaction): number {
  return Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.id < b.id ? -1 : 1);
}
