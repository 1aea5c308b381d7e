import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { FraudAlertEvent, Transaction } from '@nurt/contracts';
import { RetentionSchedule, type DeliveredEvent } from '@nurt/database';
import type { OutboxRelay } from '@nurt/kafka';
import type { FraudEnv } from './fraud.config.js';
import { FRAUD_ALERTS_OUTBOX, FRAUD_ENV } from './fraud.constants.js';
import { evaluateBatch } from './fraud.evaluation.js';
import { FraudRepository, type AlertFilter } from './fraud.repository.js';

@Injectable()
export class FraudService implements OnModuleInit {
  constructor(
    private readonly repository: FraudRepository,
    @Inject(FRAUD_ALERTS_OUTBOX) private readonly alertsOutbox: OutboxRelay,
    private readonly retention: RetentionSchedule,
    @Inject(FRAUD_ENV) private readonly env: FraudEnv,
  ) {}

  onModuleInit(): void {
    // The rules look back at most this far; older history only takes room.
    this.retention.register({
      table: 'fraud.customer_events',
      column: 'occurred_at',
      keepMs: this.repository.historyKeptForMs(),
    });
  }

  /**
   * Scores a batch of transactions against their customers' history, in batch order, and stores
   * the new history with any alerts, once per transaction; then publishes the alerts. A
   * transaction without a customer has no history to compare with and is only counted as applied.
   * Returns the number of alerts raised.
   */
  async apply(transactions: readonly DeliveredEvent<Transaction>[]): Promise<number> {
    const raised = await this.repository.apply(transactions, (txs, histories, refundsMatched) =>
      evaluateBatch(txs, histories, refundsMatched, this.env),
    );
    if (raised > 0) this.alertsOutbox.kick();
    return raised;
  }

  /** Empties the history the rules read and the claims, before the group replays the log. */
  clearView(): Promise<void> {
    return this.repository.clearView();
  }

  alerts(filter: AlertFilter): Promise<FraudAlertEvent[]> {
    return this.repository.alerts(filter);
  }
}
