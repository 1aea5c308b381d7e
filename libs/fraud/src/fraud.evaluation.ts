import type { FraudAlertEvent, Transaction, TransactionType } from '@nurt/contracts';
import type { FraudEnv } from './fraud.config.js';
import {
  amountZScore,
  distantCities,
  isSpending,
  refundWithoutPurchase,
  travelWindowMs,
  velocity,
  withAmount,
  type AmountStats,
  type PastEvent,
  type RuleHit,
} from './fraud.rules.js';

export const DAY_MS = 86_400_000;

export type CustomerTransaction = Transaction & { customerId: string };

/** A transaction of the customer already recorded, as the rules look at it. */
export interface KnownEvent extends PastEvent {
  readonly type: TransactionType;
  readonly amount: number;
}

/** What the rules need to know of one customer before a batch, loaded in a few statements for the whole batch. */
export interface CustomerHistory {
  /** Running statistics of the customer's purchases and withdrawals. */
  stats: AmountStats | undefined;
  /** The customer's recorded transactions around the batch's times (see `historyWindow`). */
  readonly events: KnownEvent[];
  /** When the transactions that raised the customer's recent velocity alerts occurred. */
  readonly velocityAlerts: number[];
}

/** The stretch of event time around a batch whose recorded transactions the rules look at. */
export function historyWindow(txs: readonly Transaction[], env: FraudEnv): { from: Date; to: Date } {
  const times = txs.map((t) => Date.parse(t.occurredAt));
  const travel = travelWindowMs(env);
  const before = Math.max(travel, env.FRAUD_VELOCITY_WINDOW_S * 1000);
  return { from: new Date(Math.min(...times) - before), to: new Date(Math.max(...times) + travel) };
}

/** What a batch changes besides recording its transactions: each customer's new statistics, the alerts. */
export interface BatchVerdict {
  readonly stats: ReadonlyMap<string, AmountStats>;
  readonly alerts: readonly Omit<FraudAlertEvent, 'detectedAt'>[];
}

/**
 * Runs the rules over a batch, in memory and in batch order, exactly as if each transaction had
 * been applied on its own after the ones before it: each sees the customer's history as recorded
 * so far, the batch's earlier transactions included. `refundsMatched` holds the refunds for which
 * the database already has a matching earlier purchase.
 */
export function evaluateBatch(
  txs: readonly CustomerTransaction[],
  histories: Map<string, CustomerHistory>,
  refundsMatched: ReadonlySet<string>,
  env: FraudEnv,
): BatchVerdict {
  const travel = travelWindowMs(env);
  const lookback = env.FRAUD_REFUND_LOOKBACK_DAYS * DAY_MS;
  const stats = new Map<string, AmountStats>();
  const alerts: Omit<FraudAlertEvent, 'detectedAt'>[] = [];

  for (const tx of txs) {
    const history = histories.get(tx.customerId) ?? { stats: undefined, events: [], velocityAlerts: [] };
    histories.set(tx.customerId, history);
    const at = Date.parse(tx.occurredAt);
    const before = history.stats;
    const event: KnownEvent = {
      transactionId: tx.id,
      occurredAt: new Date(at),
      store: tx.store,
      type: tx.type,
      amount: tx.amount,
    };
    if (!history.events.some((e) => e.transactionId === tx.id)) history.events.push(event);

    const windowStart = at - env.FRAUD_VELOCITY_WINDOW_S * 1000;
    const count = history.events.filter(
      (e) => e.occurredAt.getTime() > windowStart && e.occurredAt.getTime() <= at,
    ).length;
    const nearby = history.events.filter(
      (e) => e.transactionId !== tx.id && Math.abs(e.occurredAt.getTime() - at) <= travel,
    );
    // A purchase already in the database before the batch was looked for there (refundsMatched);
    // one earlier in this batch is among the history by now.
    const matched =
      tx.type === 'refund' &&
      (refundsMatched.has(tx.id) ||
        history.events.some(
          (e) =>
            e.type === 'purchase' &&
            e.store === tx.store &&
            e.amount >= tx.amount &&
            e.occurredAt.getTime() >= at - lookback &&
            e.occurredAt.getTime() <= at,
        ));

    const found = [
      amountZScore(tx, before, env),
      velocity(
        count,
        history.velocityAlerts.some((t) => t > windowStart),
        env,
      ),
      distantCities(tx, nearby, env),
      refundWithoutPurchase(tx, matched, env),
    ].filter((h): h is RuleHit => h !== null);

    if (isSpending(tx)) {
      history.stats = withAmount(before, tx.amount);
      stats.set(tx.customerId, history.stats);
    }
    for (const hit of found) {
      if (hit.rule === 'velocity') history.velocityAlerts.push(at);
      alerts.push({
        id: `${tx.id}:${hit.rule}`,
        customerId: tx.customerId,
        transactionId: tx.id,
        rule: hit.rule,
        score: hit.score,
        evidence: hit.evidence,
        occurredAt: tx.occurredAt,
      });
    }
  }
  return { stats, alerts };
}
