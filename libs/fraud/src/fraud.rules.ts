import { storeLocation, type FraudRule, type Transaction } from '@nurt/contracts';
import type { FraudEnv } from './fraud.config.js';

export interface RuleHit {
  readonly rule: FraudRule;
  readonly score: number;
  readonly evidence: Record<string, unknown>;
}

export interface AmountStats {
  readonly n: number;
  readonly mean: number;
  /** Sum of squared deviations from the mean (Welford). */
  readonly m2: number;
}

export interface PastEvent {
  readonly transactionId: string;
  readonly occurredAt: Date;
  readonly store: string;
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Purchases and withdrawals spend money; a refund is not "spending" and has a rule of its own. */
export const isSpending = (tx: Transaction): boolean => tx.type !== 'refund';

export function withAmount(stats: AmountStats | undefined, amount: number): AmountStats {
  const n = (stats?.n ?? 0) + 1;
  const mean = stats?.mean ?? 0;
  const delta = amount - mean;
  const nextMean = mean + delta / n;
  return { n, mean: nextMean, m2: (stats?.m2 ?? 0) + delta * (amount - nextMean) };
}

/** An amount far above what this customer usually spends, against their history before it. */
export function amountZScore(tx: Transaction, stats: AmountStats | undefined, env: FraudEnv): RuleHit | null {
  if (!isSpending(tx) || !stats || stats.n < env.FRAUD_ZSCORE_MIN_HISTORY) return null;
  const stddev = Math.sqrt(stats.m2 / (stats.n - 1));
  // A customer who always spends the same would make any change infinitely unusual; 10% of the mean is the floor.
  const spread = Math.max(stddev, stats.mean * 0.1, 1);
  const z = (tx.amount - stats.mean) / spread;
  if (z < env.FRAUD_ZSCORE_THRESHOLD) return null;
  return {
    rule: 'amount-zscore',
    score: round(z / env.FRAUD_ZSCORE_THRESHOLD),
    evidence: {
      amount: tx.amount,
      mean: round(stats.mean),
      stddev: round(stddev),
      zScore: round(z),
      history: stats.n,
      threshold: env.FRAUD_ZSCORE_THRESHOLD,
    },
  };
}

/** Too many transactions of one customer in the window ending at this one (this one included). */
export function velocity(count: number, alreadyAlerted: boolean, env: FraudEnv): RuleHit | null {
  if (count <= env.FRAUD_VELOCITY_MAX || alreadyAlerted) return null;
  return {
    rule: 'velocity',
    score: round(count / env.FRAUD_VELOCITY_MAX),
    evidence: { count, windowSeconds: env.FRAUD_VELOCITY_WINDOW_S, max: env.FRAUD_VELOCITY_MAX },
  };
}

export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number): number => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** How long a trip between two stores at the maximum speed takes: the window to look for one in. */
export function travelWindowMs(env: FraudEnv): number {
  return (3000 / env.FRAUD_TRAVEL_MAX_KMH) * 3_600_000;
}

/** The same customer in two distant cities closer in time than anyone could travel between them. */
export function distantCities(tx: Transaction, nearby: readonly PastEvent[], env: FraudEnv): RuleHit | null {
  const here = storeLocation(tx.store);
  if (!here) return null;
  const at = Date.parse(tx.occurredAt);
  let worst: RuleHit | null = null;
  for (const other of nearby) {
    const there = storeLocation(other.store);
    if (!there || there.store === here.store) continue;
    const km = distanceKm(here, there);
    if (km < env.FRAUD_TRAVEL_MIN_KM) continue;
    // Below a minute the clocks of two terminals are not to be trusted; treat it as one minute.
    const hours = Math.max(Math.abs(at - other.occurredAt.getTime()), 60_000) / 3_600_000;
    const speed = km / hours;
    if (speed <= env.FRAUD_TRAVEL_MAX_KMH) continue;
    const score = round(speed / env.FRAUD_TRAVEL_MAX_KMH);
    if (!worst || score > worst.score) {
      worst = {
        rule: 'distant-cities',
        score,
        evidence: {
          from: there.store,
          to: here.store,
          otherTransactionId: other.transactionId,
          distanceKm: round(km, 0),
          minutes: round(Math.abs(at - other.occurredAt.getTime()) / 60_000, 1),
          impliedKmh: round(speed, 0),
          maxKmh: env.FRAUD_TRAVEL_MAX_KMH,
        },
      };
    }
  }
  return worst;
}

/** A refund with no purchase of at least its amount by the same customer at the same store before it. */
export function refundWithoutPurchase(tx: Transaction, hasMatchingPurchase: boolean, env: FraudEnv): RuleHit | null {
  if (tx.type !== 'refund' || hasMatchingPurchase) return null;
  return {
    rule: 'refund-without-purchase',
    score: 1,
    evidence: { amount: tx.amount, store: tx.store, lookbackDays: env.FRAUD_REFUND_LOOKBACK_DAYS },
  };
}
