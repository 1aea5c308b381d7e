/**
 * The fraud rules over labelled traffic in memory, with the same code the anti-fraud group runs
 * (`judge` of libs/fraud), for the threshold table of `npm run eval:fraud`: what other thresholds
 * would have raised on the same traffic. The headline numbers come from the real pipeline.
 */
import { FraudEnv } from '../../libs/fraud/src/fraud.config.js';
import { judge, type CustomerEvent, type CustomerHistory } from '../../libs/fraud/src/fraud.evaluation.js';
import { eventOrder } from '../../libs/fraud/src/fraud.rules.js';
import type { ScoredAlert } from './fraud-metrics.js';
import type { CustomerTransaction } from '@nurt/transactions';

export function judgeInMemory(transactions: readonly CustomerTransaction[], env: FraudEnv): ScoredAlert[] {
  const events: CustomerEvent[] = transactions.map((t) => ({
    customerId: t.customerId,
    transactionId: t.id,
    at: Date.parse(t.occurredAt),
    store: t.store,
    type: t.type,
    amount: t.amount,
  }));
  const histories = new Map<string, CustomerHistory>();
  for (const e of events) {
    const h = histories.get(e.customerId) ?? { events: [], alerts: [] };
    h.events.push(e);
    histories.set(e.customerId, h);
  }
  return judge([...events].sort(eventOrder), histories, env);
}

export function envWith(overrides: Partial<FraudEnv>): FraudEnv {
  return Object.assign(new FraudEnv(), overrides);
}
