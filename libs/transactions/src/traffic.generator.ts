/**
 * Generated traffic, from one shopper model (shoppers.ts):
 * - `generateShopTraffic`: what `npm run produce` writes (and the pipeline benchmark): the given
 *   customers shopping over the last days up to now, each with habits and a home city that follow
 *   from the customer's id alone (the same in every run), with a few incidents of each kind
 *   injected and labelled;
 * - `generateFraudTraffic`: the labelled population of `npm run eval:fraud`: customers made up for
 *   the seed, over a fixed period.
 */
import { mulberry32, shuffled, type Random } from '@nurt/random';
import {
  byEventTime,
  DAY,
  drawHabits,
  HOUR,
  honestShopping,
  MINUTE,
  INCIDENT_KINDS,
  inject,
  type CustomerTransaction,
  type Habits,
  type Incident,
  type IncidentKind,
  type Period,
  type Shopper,
  type Trip,
} from './shoppers.js';

const WEEK = 7 * DAY;

/** `npm run produce`'s defaults: incidents per transaction, and days of shopping up to now. */
export const DEFAULT_FRAUD_RATIO = 0.02;
export const DEFAULT_TRAFFIC_DAYS = 7;

export interface ShopTrafficOptions {
  /** Customer ids to draw from (the customers service's ids as strings). */
  readonly customers: readonly string[];
  /** Exactly this many transactions. */
  readonly count: number;
  /** Seeds the run: who shops, when, and the incidents. Customers' habits do not depend on it. */
  readonly seed: number;
  /** Prefix of every transaction id; make it unique per run. */
  readonly idPrefix: string;
  /**
   * Incidents injected per transaction (default 0.02: 20 in 1,000, five of each kind); at most
   * one per 20 transactions, and fewer than the customers (each goes to a customer of its own).
   */
  readonly fraudRatio?: number;
  /** Days of shopping up to `end` (default 7); more when the customers are too few for `count`. */
  readonly days?: number;
  /** The end of the period, ms (default now): every event time is before it. */
  readonly end?: number;
}

export interface ShopTraffic {
  /** In event-time order, as terminals would send them. */
  readonly transactions: readonly CustomerTransaction[];
  readonly incidents: readonly Incident[];
  /** The customers who shopped, in the order they were drawn. */
  readonly customers: readonly string[];
  /** The period the event times fall in, ms. */
  readonly start: number;
  readonly end: number;
  /** Incidents injected, per kind. */
  readonly injected: Readonly<Record<IncidentKind, number>>;
}

/** FNV-1a: a customer id's own seed, so their habits are the same in every run. */
function idSeed(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** What this customer is like, from their id alone: home city, pace, hours, amounts, cash, refunds. */
export function customerHabits(id: string): Habits {
  return drawHabits(mulberry32(idSeed(id)), id);
}

/**
 * A customer's honest trips overlapping [from, to), on the calendar: a traveller (a quarter of the
 * customers) leaves in a given week with probability one half, to their usual destination, for
 * 1–3 days, and is home again before the next week. They follow from the id and the week alone, so
 * runs over overlapping periods agree on where the customer was.
 */
export function customerTrips(habits: Habits, from: number, to: number): Trip[] {
  if (!habits.travels) return [];
  const trips: Trip[] = [];
  for (let week = Math.floor(from / WEEK) - 1; week * WEEK < to; week++) {
    const random = mulberry32(idSeed(`${habits.id}@${week}`));
    if (random() >= 0.5) continue;
    const stayDays = 1 + Math.floor(random() * 3);
    const leave = week * WEEK + (0.25 + random() * (5.75 - stayDays)) * DAY;
    if (leave + (stayDays + 1) * DAY > from && leave < to) trips.push({ to: habits.destination, leave, stayDays });
  }
  return trips;
}

/** Midnight in Poland (UTC+1, the chain's winter time) on or before `t`. */
const localMidnight = (t: number): number => Math.floor((t + HOUR) / DAY) * DAY - HOUR;

/** Incidents of each kind, `total` shared out in INCIDENT_KINDS order. */
function perKind(total: number): Record<IncidentKind, number> {
  const counts = { velocity: 0, travel: 0, amount: 0, refund: 0 };
  for (let i = 0; i < total; i++) counts[INCIDENT_KINDS[i % INCIDENT_KINDS.length] ?? 'velocity']++;
  return counts;
}

interface Active {
  readonly shopper: Shopper;
  readonly honest: CustomerTransaction[];
}

/**
 * Shop-like traffic for `npm run produce`: exactly `count` transactions of the given customers over
 * the last `days` days (to `end`), every customer's in event-time order and none in the future,
 * with `fraudRatio × count` incidents injected (velocity, travel, amount and refund in turn), each
 * in a customer of its own and labelled.
 *
 * Customers are drawn (by the seed) until their honest shopping over the period makes up the
 * count; the last ones drawn stop early (their newest transactions are left out) so the count is
 * exact. When all the customers' shopping over `days` is not enough, the period grows.
 */
export function generateShopTraffic(options: ShopTrafficOptions): ShopTraffic {
  const { count, customers, idPrefix } = options;
  if (!(Number.isInteger(count) && count > 0)) throw new Error('count must be a positive integer');
  if (customers.length === 0) throw new Error('the traffic needs at least one customer');
  const end = options.end ?? Date.now();
  const ratio = options.fraudRatio ?? DEFAULT_FRAUD_RATIO;
  // Each incident in a customer of its own, and honest customers left over.
  const injected = perKind(Math.min(Math.round(count * ratio), Math.floor(count / 20), customers.length - 1));
  const incidentCount = INCIDENT_KINDS.reduce((n, k) => n + injected[k], 0);
  // What the incidents add, about: a velocity burst is 6–10 purchases, a trip two.
  const reserve = injected.velocity * 8 + injected.travel * 2 + injected.amount + injected.refund;

  for (let days = Math.max(1, options.days ?? DEFAULT_TRAFFIC_DAYS); ; days *= 2) {
    const made = attempt(mulberry32(options.seed), days);
    if (made) return made;
    if (days > 3650) throw new Error(`${customers.length} customers cannot make ${count} transactions`);
  }

  function attempt(random: Random, days: number): ShopTraffic | null {
    const start = localMidnight(end - days * DAY);
    const period: Period = { start, days: Math.ceil((end - start) / DAY), end };
    let n = 0;
    const next = (): string => `${idPrefix}${(n++).toString(36)}`;
    const order = shuffled(random, customers);
    const actives: Active[] = [];
    let total = 0;
    const draw = (): boolean => {
      const id = order[actives.length];
      if (id === undefined) return false;
      const habits = customerHabits(id);
      const shopper: Shopper = { ...habits, trips: customerTrips(habits, start, end) };
      const honest = honestShopping(random, shopper, period, next);
      actives.push({ shopper, honest });
      total += honest.length;
      return true;
    };
    while (actives.length < incidentCount + 1 || total < count - reserve) if (!draw()) return null;

    // Victims: at home during the incidents' window (an honest trip then could make the incident
    // happen where the customer is not); amount incidents need a history to stand out from.
    const incidentWindow = { from: start + (end - start) / 3, to: end - 2 * HOUR };
    const shuffledActives = shuffled(random, actives);
    const victims = new Map<IncidentKind, Active[]>(INCIDENT_KINDS.map((k) => [k, []]));
    const taken = new Set<Active>();
    const take = (kind: IncidentKind, ok: (a: Active) => boolean): void => {
      const list = victims.get(kind) ?? [];
      for (const a of shuffledActives) {
        if (list.length >= injected[kind]) break;
        if (!taken.has(a) && ok(a)) {
          list.push(a);
          taken.add(a);
        }
      }
    };
    const home = (a: Active): boolean =>
      a.shopper.trips.every(
        (t) => t.leave > incidentWindow.to || t.leave + (t.stayDays + 2) * DAY < incidentWindow.from - DAY,
      );
    const AMOUNT_HISTORY = 8;
    /** When the customer made their eighth purchase (Infinity when they make fewer). */
    const historyAt = (a: Active): number =>
      a.honest
        .filter((t) => t.type === 'purchase')
        .map((t) => Date.parse(t.occurredAt))
        .sort((x, y) => x - y)[AMOUNT_HISTORY - 1] ?? Infinity;
    take('amount', (a) => home(a) && historyAt(a) < incidentWindow.to - 6 * HOUR);
    for (const kind of INCIDENT_KINDS) take(kind, home);
    for (const kind of INCIDENT_KINDS) take(kind, () => true);

    const all = actives.flatMap((a) => a.honest);
    const incidents: Incident[] = [];
    for (const kind of INCIDENT_KINDS) {
      (victims.get(kind) ?? []).forEach((a, i) => {
        // An amount stands out only against a history: after the customer's eighth purchase.
        const window =
          kind === 'amount'
            ? { ...incidentWindow, from: Math.max(incidentWindow.from, historyAt(a) + MINUTE) }
            : incidentWindow;
        incidents.push(inject(random, kind, `${kind}-${i}`, a.shopper, a.honest, window, next, all));
      });
    }
    while (all.length < count) {
      const before = actives.length;
      if (!draw()) return null;
      all.push(...(actives[before]?.honest ?? []));
    }

    // Exactly `count`: the customers drawn last, not victims first, stop early (only honest
    // transactions go: an incident's own stay). Newest first, so a refund always goes before the
    // purchase it returns.
    let excess = all.length - count;
    const dropped = new Set<CustomerTransaction>();
    const trimOrder = [...actives.filter((a) => !taken.has(a)), ...actives.filter((a) => taken.has(a))].reverse();
    for (const a of trimOrder) {
      for (const t of [...a.honest].sort(byEventTime).reverse()) {
        if (excess === 0) break;
        dropped.add(t);
        excess--;
      }
      if (excess === 0) break;
    }
    if (excess > 0) return null;
    const transactions = all.filter((t) => !dropped.has(t)).sort(byEventTime);
    const shopped = new Set(transactions.map((t) => t.customerId));
    return {
      transactions,
      incidents,
      customers: actives.map((a) => a.shopper.id).filter((id) => shopped.has(id)),
      start,
      end,
      injected,
    };
  }
}

export interface FraudTrafficOptions {
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

export interface FraudTraffic {
  /** In event-time order, as terminals would send them. */
  readonly transactions: readonly CustomerTransaction[];
  readonly incidents: readonly Incident[];
  readonly customers: readonly string[];
}

/** The evaluation's shopper: habits from the run's stream, and a quarter of them take one trip in the period. */
function evalShopper(random: Random, id: string, days: number, start: number): Shopper {
  const habits = drawHabits(random, id);
  const trip = habits.travels
    ? {
        to: habits.destination,
        leave: start + (2 + random() * (days - 5)) * DAY,
        stayDays: 1 + Math.floor(random() * 3),
      }
    : null;
  return { ...habits, trips: trip ? [trip] : [] };
}

/**
 * Labelled shopping for `npm run eval:fraud`: `customers` made up for the seed (ids
 * `<prefix>-c<i>`), over `days` from `start`, with `incidentsPerKind` incidents of each kind in
 * the last two thirds of the period, each in a customer of its own. Seeded: a run repeats byte for
 * byte (the results in docs/fraud.md depend on it).
 */
export function generateFraudTraffic(options: FraudTrafficOptions): FraudTraffic {
  const random = mulberry32(options.seed);
  const { start, days, prefix } = options;
  let n = 0;
  const next = (): string => `${prefix}-t${(n++).toString(36)}`;
  const shoppers = Array.from({ length: options.customers }, (_, i) =>
    evalShopper(random, `${prefix}-c${i}`, days, start),
  );
  const period: Period = { start, days, end: start + days * DAY };
  const transactions = shoppers.flatMap((s) => honestShopping(random, s, period, next));
  if (INCIDENT_KINDS.length * options.incidentsPerKind > shoppers.length) {
    throw new Error('more incidents than customers: each incident goes to a customer of its own');
  }
  const victims = shuffled(random, shoppers);
  const window = { from: start + (days / 3) * DAY, to: start + (days - 0.5) * DAY };
  const incidents: Incident[] = [];
  INCIDENT_KINDS.forEach((kind, k) => {
    for (let i = 0; i < options.incidentsPerKind; i++) {
      const s = victims[k * options.incidentsPerKind + i];
      const own = transactions.filter((t) => t.customerId === s.id);
      incidents.push(inject(random, kind, `${kind}-${i}`, s, own, window, next, transactions));
    }
  });
  transactions.sort(byEventTime);
  return { transactions, incidents, customers: shoppers.map((s) => s.id) };
}
