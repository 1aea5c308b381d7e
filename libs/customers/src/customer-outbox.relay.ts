import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { KafkaProducer, OutboxRelay } from '@nurt/kafka';
import { METRICS_REGISTRY } from '@nurt/observability';
import type { Registry } from 'prom-client';
import type { CustomersEnv } from './customers.config.js';
import { CUSTOMERS_ENV } from './customers.constants.js';
import { CustomersRepository } from './customers.repository.js';

/**
 * Publishes the customers outbox to the compacted `customers` topic, oldest first (the shared
 * `OutboxRelay` loop). A change sent twice after a crash is harmless: consumers of a state topic
 * keep the latest value per key.
 */
@Injectable()
export class CustomerOutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(
    repository: CustomersRepository,
    producer: KafkaProducer,
    @Inject(CUSTOMERS_ENV) private readonly env: CustomersEnv,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.relay = new OutboxRelay(repository, producer, {
      name: 'customers',
      intervalMs: env.CUSTOMERS_OUTBOX_INTERVAL_MS,
      batch: env.CUSTOMERS_OUTBOX_BATCH,
      registry,
    });
  }

  onApplicationBootstrap(): void {
    if (this.env.CUSTOMERS_OUTBOX_RELAY === 'off') {
      new Logger('outbox customers').warn(
        'CUSTOMERS_OUTBOX_RELAY=off: customer changes stay in the outbox until a relay runs',
      );
      return;
    }
    this.relay.start();
  }

  /** Publishes what was just committed, now rather than on the next tick of the timer. */
  kick(): void {
    this.relay.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
