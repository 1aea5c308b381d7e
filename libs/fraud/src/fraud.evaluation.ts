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
  /** The customer's recorded transactions from `lookBackMs` before the first judged one up to the last, judged or not. */
  readonly events: KnownEvent[];
  /** The velocity and distant-cities alerts already raised in that stretch. */
  readonly alerts: PriorAlert[];
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

/**
 * Judges transactions in event time. Each one is judged against what its customer did BEFORE it
 * (by occurredAt, ties by id), whatever order the partitions delivered them in: the rules only look
 * back, and `ready` holds only transactions whose earlier history has arrived (see
 * FraudRepository.judgeReady). So two instances, a replay and a rebuild all reach the same alerts,
 * with the same ids. `ready` must be in event order; `histories` must hold every customer's
 * recorded transactions over the look-back (those in `ready` included) and is updated with the
 * alerts raised here.
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
  const alerts: Alert[] = [];

  for (const tx of ready) {
    const history = histories.get(tx.customerId) ?? { events: [], alerts: [] };
    const events = history.events;
    const end = positionOf(events, tx);

    let count = 1;
    const nearby: KnownEvent[] = [];
    const usual: number[] = [];
    const purchases: KnownEvent[] = [];
    for (let i = end - 1; i >= 0; i--) {
      const e = events[i];
      if (e.transactionId === tx.transactionId) continue;
      const age = tx.at - e.at;
      if (age > lookback) break;
      if (age < velocityWindow) count++;
      if (age <= travel) nearby.push(e);
      if (e.type === tx.type && isSpending(e.type) && usual.length < env.FRAUD_AMOUNT_HISTORY) usual.push(e.amount);
      if (e.type === 'purchase') purchases.push(e);
    }
    usual.reverse();
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
