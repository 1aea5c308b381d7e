import type { FraudAlertEvent, FraudRule } from '@nurt/contracts';
import type { FraudEnv } from './fraud.config.js';
import {
  distantCities,
  eventOrder,
  isSpending,
  refundWithoutPurchase,
  travelWindowMs,
  unusualAmount,
  velocity,
  type KnownEvent,
  type RuleHit,
} from './fraud.rules.js';

export const DAY_MS = 86_400_000;

/** A recorded transaction of a customer, waiting to be judged. */
export interface CustomerEvent extends KnownEvent {
  readonly customerId: string;
}

/** An alert already raised, as the once-per-incident rules look at it. */
export interface PriorAlert {
  readonly transactionId: string;
  readonly rule: FraudRule;
  readonly at: number;
}

/** What the rules know of one customer around the transactions being judged. */
export interface CustomerHistory {
  /** The customer's recorded transactions, judged or not, as much of them as `judge` says it needs. */
  readonly events: KnownEvent[];
  /** The velocity and distant-cities alerts already raised in that stretch. */
  readonly alerts: PriorAlert[];
  /**
   * When `events` are complete only from `from` on (a database page): for each judged transaction
   * (by id), how many of the customer's transactions before `from` are inside its velocity window.
   * Those are counted, not loaded: a customer buying every second has sixty of them.
   */
  readonly counted?: { readonly from: number; readonly inVelocityWindow: ReadonlyMap<string, number> };
}

export type Alert = Omit<FraudAlertEvent, 'detectedAt'>;

/** How far back in event time any rule looks from the transaction it judges. */
export function lookBackMs(env: FraudEnv): number {
  return Math.max(env.FRAUD_REFUND_LOOKBACK_DAYS * DAY_MS, travelWindowMs(env), env.FRAUD_VELOCITY_WINDOW_S * 1000);
}

/** The index of the first event not before `tx` in event order (events sorted by it). */
function positionOf(events: readonly KnownEvent[], tx: KnownEvent): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (eventOrder(events[mid], tx) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A customer's history as the judge walks it in event order: what it has passed, summarised. */
interface Walk {
  /** How many of the history's events (in event order) have been taken in. */
  taken: number;
  /** The newest event passed at each store: the one a trip from that store is judged against. */
  readonly newestAt: Map<string, KnownEvent>;
  /** The spending events passed, per type, in event order: the newest make the usual amount. */
  readonly spent: Map<string, KnownEvent[]>;
}

/** The index of the first event newer than `at` - `windowMs` (strictly inside the window ending at `at`). */
function firstInside(events: readonly KnownEvent[], end: number, at: number, windowMs: number): number {
  let lo = 0;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (at - (events[mid]?.at ?? 0) >= windowMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Judges transactions in event time. Each one is judged against what its customer did BEFORE it
 * (by occurredAt, ties by id), whatever order the partitions delivered them in: the rules only look
 * back, and `ready` holds only transactions whose earlier history has arrived (see
 * FraudRepository.judgeReady). So two instances, a replay and a rebuild all reach the same alerts,
 * with the same ids. `ready` must be in event order; `histories` is updated with the alerts raised here.
 *
 * What a customer's history must hold: every recorded transaction from the velocity window before
 * the first judged one up to the last judged one (or from the first judged one, with those before
 * it inside each one's velocity window `counted`), and before that only what a rule can still use: the newest transaction at each
 * store within the travel window, the newest `FRAUD_AMOUNT_HISTORY` of each spending type within
 * the look-back, and the purchases within the look-back at the stores of the refunds being judged.
 * Each judged transaction costs the same however long its customer's history is: the walk keeps
 * the newest transaction per store and the spending per type, and counts the velocity window by
 * binary search, rather than scanning the history back for every transaction.
 */
export function judge(
  ready: readonly CustomerEvent[],
  histories: ReadonlyMap<string, CustomerHistory>,
  env: FraudEnv,
): Alert[] {
  for (const h of histories.values()) h.events.sort(eventOrder);
  const velocityWindow = env.FRAUD_VELOCITY_WINDOW_S * 1000;
  const travel = travelWindowMs(env);
  const lookback = env.FRAUD_REFUND_LOOKBACK_DAYS * DAY_MS;
  const walks = new Map<string, Walk>();
  const alerts: Alert[] = [];

  for (const tx of ready) {
    const history = histories.get(tx.customerId) ?? { events: [], alerts: [] };
    const events = history.events;
    const end = positionOf(events, tx);
    let walk = walks.get(tx.customerId);
    // `ready` is in event order, so a customer's walk only moves forward; start again if it is not.
    if (!walk || walk.taken > end) {
      walk = { taken: 0, newestAt: new Map(), spent: new Map() };
      walks.set(tx.customerId, walk);
    }
    for (; walk.taken < end; walk.taken++) {
      const e = events[walk.taken];
      walk.newestAt.set(e.store, e);
      if (isSpending(e.type)) {
        let same = walk.spent.get(e.type);
        if (!same) walk.spent.set(e.type, (same = []));
        same.push(e);
      }
    }
    const earlier = (e: KnownEvent): boolean => e.transactionId !== tx.transactionId && tx.at - e.at <= lookback;

    const counted = history.counted;
    let count = 1 + (counted?.inVelocityWindow.get(tx.transactionId) ?? 0);
    for (let i = firstInside(events, end, tx.at, velocityWindow); i < end; i++) {
      const e = events[i];
      if (e && e.transactionId !== tx.transactionId && e.at >= (counted?.from ?? -Infinity)) count++;
    }
    // Newest first, as a scan back through the history would meet them (the first of equal scores wins).
    const nearby = [...walk.newestAt.values()]
      .filter((e) => earlier(e) && tx.at - e.at <= travel)
      .sort((a, b) => eventOrder(b, a));
    const usual: number[] = [];
    if (isSpending(tx.type)) {
      const same = walk.spent.get(tx.type) ?? [];
      for (let i = same.length - 1; i >= 0 && usual.length < env.FRAUD_AMOUNT_HISTORY; i--) {
        const e = same[i];
        if (tx.at - e.at > lookback) break;
        if (e.transactionId !== tx.transactionId) usual.push(e.amount);
      }
      usual.reverse();
    }
    const purchases: KnownEvent[] = [];
    if (tx.type === 'refund') {
      for (let i = end - 1; i >= 0; i--) {
        const e = events[i];
        if (tx.at - e.at > lookback) break;
        if (e.type === 'purchase' && e.transactionId !== tx.transactionId) purchases.push(e);
      }
    }
    const alertedWithin = (rule: FraudRule, windowMs: number): boolean =>
      history.alerts.some(
        (a) => a.rule === rule && a.transactionId !== tx.transactionId && a.at <= tx.at && tx.at - a.at < windowMs,
      );

    const found = [
      unusualAmount(tx, usual, env),
      velocity(count, alertedWithin('velocity', velocityWindow), env),
      distantCities(tx, nearby, alertedWithin('distant-cities', travel), env),
      refundWithoutPurchase(tx, purchases, env),
    ].filter((h): h is RuleHit => h !== null);

    for (const hit of found) {
      history.alerts.push({ transactionId: tx.transactionId, rule: hit.rule, at: tx.at });
      alerts.push({
        id: `${tx.transactionId}:${hit.rule}`,
        customerId: tx.customerId,
        transactionId: tx.transactionId,
        rule: hit.rule,
        score: hit.score,
        evidence: hit.evidence,
        occurredAt: new Date(tx.at).toISOString(),
      });
    }
  }
  return alerts;
}
