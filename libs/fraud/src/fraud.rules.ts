import { storeLocation, type FraudRule, type TransactionType } from '@nurt/contracts';
import type { FraudEnv } from './fraud.config.js';

export interface RuleHit {
  readonly rule: FraudRule;
  readonly score: number;
  readonly evidence: Record<string, unknown>;
}

/** A customer's transaction as the rules see it; `at` is its event time (occurredAt) in ms. */
export interface KnownEvent {
  readonly transactionId: string;
  readonly at: number;
  readonly store: string;
  readonly type: TransactionType;
  readonly amount: number;
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Event-time order, ties by id: the one order every instance and every replay agrees on. */
export function eventOrder(a: KnownEvent, b: KnownEvent): number {
  return a.at - b.at || (a.transactionId < b.transactionId ? -1 : a.transactionId > b.transactionId ? 1 : 0);
}

/** Purchases and withdrawals spend money; a refund is not "spending" and has a rule of its own. */
export const isSpending = (type: TransactionType): boolean => type !== 'refund';

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Qn's small-sample corrections for n = 2..9 (Croux & Rousseeuw 1992). */
const QN_SMALL = [0.399, 0.994, 0.512, 0.844, 0.611, 0.857, 0.669, 0.872];

/**
 * Rousseeuw and Croux's Qn: a robust estimate of the standard deviation from the first quartile of
 * the pairwise distances. Like the MAD it ignores up to half the values being wild (an earlier
 * fraud in the history), but it is about twice as efficient (82% against 37% for normal data), so
 * a short history gives a steadier spread and fewer ordinary amounts look extreme.
 */
export function qn(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const h = Math.floor(n / 2) + 1;
  const k = (h * (h - 1)) / 2;
  const correction = n <= 9 ? (QN_SMALL[n - 2] ?? 1) : n % 2 === 1 ? n / (n + 1.4) : n / (n + 3.8);
  return 2.2219 * correction * kthPairwiseDistance(values, k);
}

/**
 * The k-th smallest of the n(n-1)/2 distances between pairs of `values` (1-based k), without
 * listing and sorting them all: over sorted values, the distances from each value to the later
 * ones form n-1 ascending rows, merged with a heap until the k-th. Qn asks for about the first
 * quarter of the distances, so this costs O(k log n) against O(n² log n): the anti-fraud group
 * computes one per spending transaction judged.
 */
export function kthPairwiseDistance(values: readonly number[], k: number): number {
  const x = Float64Array.from(values).sort();
  const n = x.length;
  // A min-heap of one cell per row: the distance x[col] - x[row], and where it is.
  const key = new Float64Array(n);
  const row = new Int32Array(n);
  const col = new Int32Array(n);
  let size = 0;
  for (let i = 0; i < n - 1; i++, size++) {
    key[size] = x[i + 1] - x[i];
    row[size] = i;
    col[size] = i + 1;
  }
  const down = (from: number): void => {
    const k0 = key[from];
    const r0 = row[from];
    const c0 = col[from];
    let at = from;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && key[child + 1] < key[child]) child++;
      if (key[child] >= k0) break;
      key[at] = key[child];
      row[at] = row[child];
      col[at] = col[child];
      at = child;
    }
    key[at] = k0;
    row[at] = r0;
    col[at] = c0;
  };
  for (let at = (size >> 1) - 1; at >= 0; at--) down(at);
  for (let taken = 1; size > 0; taken++) {
    if (taken === k) return key[0];
    const next = col[0] + 1;
    if (next < n) {
      col[0] = next;
      key[0] = x[next] - x[row[0]];
    } else {
      size--;
      key[0] = key[size];
      row[0] = row[size];
      col[0] = col[size];
    }
    down(0);
  }
  return 0;
}

/**
 * What a shopper's log-amounts are assumed to spread by before their own history says otherwise
 * (baskets within a factor e^0.5 ≈ 1.65 of the median, one standard deviation either way), and as
 * how many amounts that assumption weighs. A few earlier amounts that happen to be alike (or cash
 * in round notes) then do not make an ordinary larger one look extreme; a long history speaks for
 * itself.
 */
const PRIOR_LOG_SPREAD = 0.5;
const PRIOR_WEIGHT = 5;

/**
 * An amount far above what this customer usually spends on this type of transaction. Money is
 * right-skewed (many small baskets, a few large ones), so amounts are compared on a log scale,
 * against the median and a robust spread (Qn, drawn towards a typical shopper's while the history
 * is short) of the customer's earlier amounts, which an earlier outlier does not move. It needs
 * `FRAUD_AMOUNT_MIN_HISTORY` earlier amounts, and the amount must also be `FRAUD_AMOUNT_MIN_RATIO`
 * times the usual one: a customer with very steady amounts doubling their basket is unusual, not
 * fraud.
 *
 * `usual` are the customer's earlier amounts of the same type, in event order (the newest
 * `FRAUD_AMOUNT_HISTORY` are used).
 */
export function unusualAmount(tx: KnownEvent, usual: readonly number[], env: FraudEnv): RuleHit | null {
  if (!isSpending(tx.type) || usual.length < env.FRAUD_AMOUNT_MIN_HISTORY) return null;
  const logs = usual
    .slice(-env.FRAUD_AMOUNT_HISTORY)
    .map((a) => Math.log(Math.max(a, 0.01)))
    .sort((a, b) => a - b);
  const centre = median(logs);
  const own = qn(logs);
  const spread = Math.sqrt(
    (logs.length * own ** 2 + PRIOR_WEIGHT * PRIOR_LOG_SPREAD ** 2) / (logs.length + PRIOR_WEIGHT),
  );
  const z = (Math.log(Math.max(tx.amount, 0.01)) - centre) / spread;
  const usualAmount = Math.exp(centre);
  const ratio = tx.amount / usualAmount;
  if (z < env.FRAUD_AMOUNT_THRESHOLD || ratio < env.FRAUD_AMOUNT_MIN_RATIO) return null;
  return {
    rule: 'amount-zscore',
    score: round(z / env.FRAUD_AMOUNT_THRESHOLD),
    evidence: {
      amount: tx.amount,
      type: tx.type,
      usualAmount: round(usualAmount),
      timesUsual: round(ratio, 1),
      logSpread: round(spread, 3),
      zScore: round(z),
      history: Math.min(usual.length, env.FRAUD_AMOUNT_HISTORY),
      threshold: env.FRAUD_AMOUNT_THRESHOLD,
    },
  };
}

/**
 * Too many transactions of one customer in the window ending at this one (`count`, this one
 * included). One alert per burst: none while an earlier transaction in the window raised one.
 */
export function velocity(count: number, alertedInWindow: boolean, env: FraudEnv): RuleHit | null {
  if (count <= env.FRAUD_VELOCITY_MAX || alertedInWindow) return null;
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

/** How long a trip between two stores at the maximum speed takes: the window to look back in. */
export function travelWindowMs(env: FraudEnv): number {
  return (3000 / env.FRAUD_TRAVEL_MAX_KMH) * 3_600_000;
}

/**
 * The same customer in two distant cities closer in time than anyone could travel between them.
 * Always the later transaction of the pair is flagged (so the verdict does not depend on which one
 * was read first), against the earlier ones in `earlier`; one alert per trip: none while an
 * earlier transaction within the travel window raised one.
 */
export function distantCities(
  tx: KnownEvent,
  earlier: readonly KnownEvent[],
  alertedInWindow: boolean,
  env: FraudEnv,
): RuleHit | null {
  const here = storeLocation(tx.store);
  if (!here || alertedInWindow) return null;
  let worst: RuleHit | null = null;
  for (const other of earlier) {
    const there = storeLocation(other.store);
    if (!there || there.store === here.store) continue;
    const km = distanceKm(here, there);
    if (km < env.FRAUD_TRAVEL_MIN_KM) continue;
    // Below a minute the clocks of two terminals are not to be trusted; treat it as one minute.
    const hours = Math.max(tx.at - other.at, 60_000) / 3_600_000;
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
          minutes: round((tx.at - other.at) / 60_000, 1),
          impliedKmh: round(speed, 0),
          maxKmh: env.FRAUD_TRAVEL_MAX_KMH,
        },
      };
    }
  }
  return worst;
}

/**
 * A refund with no purchase of at least its amount by the same customer at the same store within
 * the look-back before it. `purchases` are the customer's earlier purchases.
 */
export function refundWithoutPurchase(tx: KnownEvent, purchases: readonly KnownEvent[], env: FraudEnv): RuleHit | null {
  if (tx.type !== 'refund') return null;
  const from = tx.at - env.FRAUD_REFUND_LOOKBACK_DAYS * 86_400_000;
  if (purchases.some((p) => p.store === tx.store && p.amount >= tx.amount && p.at >= from)) return null;
  return {
    rule: 'refund-without-purchase',
    score: 1,
    evidence: { amount: tx.amount, store: tx.store, lookbackDays: env.FRAUD_REFUND_LOOKBACK_DAYS },
  };
}
