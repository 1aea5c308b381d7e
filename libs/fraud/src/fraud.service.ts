import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import type { FraudAlertEvent } from '@nurt/contracts';
import { RetentionSchedule } from '@nurt/database';
import { DrainLoop, type OutboxRelay } from '@nurt/kafka';
import { METRICS_REGISTRY } from '@nurt/observability';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FraudEnv } from './fraud.config.js';
import { FRAUD_ALERTS_OUTBOX, FRAUD_ENV } from './fraud.constants.js';
import { FraudRepository, type AlertFilter, type Pending, type RecordedBatch } from './fraud.repository.js';

/**
 * Transactions judged per database transaction. Large: each page loads its customers' history
 * once, and on PGlite (one transaction at a time) every page holds the other groups' batches back.
 */
const JUDGE_PAGE = 10_000;

@Injectable()
export class FraudService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  /** The judge: every second, for what has waited its lateness out (nothing recorded just now is ready, so no kick per batch). */
  private readonly judge: DrainLoop;
  private readonly judged: Counter;

  constructor(
    private readonly repository: FraudRepository,
    @Inject(FRAUD_ALERTS_OUTBOX) private readonly alertsOutbox: OutboxRelay,
    private readonly retention: RetentionSchedule,
    @Inject(FRAUD_ENV) private readonly env: FraudEnv,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.judged = new Counter({
      name: 'fraud_transactions_judged_total',
      help: 'Transactions the fraud rules have judged, in event-time order.',
      registers: [registry],
    });
    new Gauge({
      name: 'fraud_transactions_pending',
      help: 'Transactions recorded by the anti-fraud group and waiting to be judged (FRAUD_LATENESS_S).',
      registers: [registry],
      collect: async function (this: Gauge) {
        this.set((await repository.pending()).transactions);
      },
    });
    this.judge = new DrainLoop({
      name: 'fraud judge',
      intervalMs: 1000,
      step: () => this.judgePage(),
    });
  }

  onModuleInit(): void {
    // The rules look back at most this far; older history only takes room. A transaction not
    // judged yet stays, however old (an old transaction read late is still judged).
    this.retention.register({
      table: 'fraud.customer_events',
      column: 'occurred_at',
      keepMs: this.repository.historyKeptForMs(),
      onlyIf: 'judged',
    });
  }

  onApplicationBootstrap(): void {
    this.judge.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.judge.stop();
  }

  /**
   * Records a batch of transactions once each, to be judged by the rules in event-time order once
   * their history is complete (FRAUD_LATENESS_S). A transaction without a customer has no history
   * to compare with and is only counted as applied. Returns how many were recorded.
   */
  async apply(batch: RecordedBatch): Promise<number> {
    return this.repository.record(batch);
  }

  private async judgePage(): Promise<boolean> {
    const { judged, raised } = await this.repository.judgeReady(JUDGE_PAGE);
    this.judged.inc(judged);
    if (raised > 0) this.alertsOutbox.kick();
    return judged === JUDGE_PAGE;
  }

  /** Empties the history the rules read and the claims, before the group replays the log. */
  clearView(): Promise<void> {
    return this.repository.clearView();
  }

  alerts(filter: AlertFilter): Promise<FraudAlertEvent[]> {
    return this.repository.alerts(filter);
  }

  pending(): Promise<Pending> {
    return this.repository.pending();
  }

  get latenessSeconds(): number {
    return this.env.FRAUD_LATENESS_S;
  }
}
