import { Inject, Injectable } from '@nestjs/common';
import type { FraudAlertEvent, Transaction } from '@nurt/contracts';
import type { KafkaRecord } from '@nurt/kafka';
import type { FraudEnv } from './fraud.config.js';
import { FRAUD_ENV } from './fraud.constants.js';
import { FraudAlertPublisher } from './fraud-alert.publisher.js';
import { FraudRepository, type AlertFilter } from './fraud.repository.js';
import {
  amountZScore,
  distantCities,
  isSpending,
  refundWithoutPurchase,
  travelWindowMs,
  velocity,
  withAmount,
  type RuleHit,
} from './fraud.rules.js';

const DAY_MS = 86_400_000;

@Injectable()
export class FraudService {
  constructor(
    private readonly repository: FraudRepository,
    private readonly publisher: FraudAlertPublisher,
    @Inject(FRAUD_ENV) private readonly env: FraudEnv,
  ) {}

  /**
   * Scores the transaction against the customer's history, stores any alerts together with the new
   * history (once per transaction), then publishes them. A transaction without a customer has no
   * history to compare with and is only counted as applied.
   */
  async apply(tx: Transaction, record: KafkaRecord): Promise<RuleHit[]> {
    const hits: RuleHit[] = [];
    await this.repository.applyOnce(
      { id: tx.id, partition: record.partition, offset: record.offset },
      async (state) => {
        const customerId = tx.customerId;
        if (customerId === undefined) return;
        const at = new Date(tx.occurredAt);

        const stats = await state.amountStats(customerId);
        const windowStart = new Date(at.getTime() - this.env.FRAUD_VELOCITY_WINDOW_S * 1000);
        await state.record({ ...tx, customerId });
        const count = await state.countBetween(customerId, windowStart, at);
        const travel = travelWindowMs(this.env);
        const nearby = await state.eventsBetween(
          customerId,
          new Date(at.getTime() - travel),
          new Date(at.getTime() + travel),
          tx.id,
        );
        const matched =
          tx.type === 'refund' &&
          (await state.hasPurchase(
            customerId,
            tx.store,
            tx.amount,
            new Date(at.getTime() - this.env.FRAUD_REFUND_LOOKBACK_DAYS * DAY_MS),
            at,
          ));

        const found = [
          amountZScore(tx, stats, this.env),
          velocity(count, await state.alertedSince(customerId, 'velocity', windowStart), this.env),
          distantCities(tx, nearby, this.env),
          refundWithoutPurchase(tx, matched, this.env),
        ].filter((h): h is RuleHit => h !== null);

        if (isSpending(tx)) await state.saveAmountStats(customerId, withAmount(stats, tx.amount));
        for (const hit of found) {
          await state.addAlert({
            id: `${tx.id}:${hit.rule}`,
            customerId,
            transactionId: tx.id,
            rule: hit.rule,
            score: hit.score,
            evidence: hit.evidence,
            occurredAt: tx.occurredAt,
          });
        }
        hits.push(...found);
      },
    );
    if (hits.length > 0) await this.publisher.flush();
    return hits;
  }

  alerts(filter: AlertFilter): Promise<FraudAlertEvent[]> {
    return this.repository.alerts(filter);
  }
}
