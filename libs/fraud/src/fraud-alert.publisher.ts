import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { KafkaProducer, OutboxRelay } from '@nurt/kafka';
import { METRICS_REGISTRY } from '@nurt/observability';
import type { Registry } from 'prom-client';
import { FraudRepository } from './fraud.repository.js';

/** Alerts are small and rare; a second is soon enough for a retry after a failed send. */
const RETRY_EVERY_MS = 1000;
const BATCH = 500;

/**
 * Moves stored alerts to the `fraud-alerts` topic (the shared `OutboxRelay` loop): an alert is
 * committed with the transaction that raised it, then published and marked. A send that failed is
 * retried by the relay's timer, without waiting for the next alert; one stored just before a crash
 * goes out at the next start. At-least-once, with a stable alert id.
 */
@Injectable()
export class FraudAlertPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(repository: FraudRepository, producer: KafkaProducer, @Inject(METRICS_REGISTRY) registry: Registry) {
    this.relay = new OutboxRelay(repository, producer, {
      name: 'fraud_alerts',
      intervalMs: RETRY_EVERY_MS,
      batch: BATCH,
      registry,
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  /** Publishes what was just committed. */
  kick(): void {
    this.relay.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
