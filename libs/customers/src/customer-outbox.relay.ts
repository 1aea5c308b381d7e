import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CUSTOMER_EVENT_TYPE_HEADER, Topics, type CustomerEvent } from '@nurt/contracts';
import { KafkaProducer } from '@nurt/kafka';
import { METRICS_REGISTRY } from '@nurt/observability';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Customer, OutboxEntry } from './customer.js';
import type { CustomersEnv } from './customers.config.js';
import { CUSTOMERS_ENV } from './customers.constants.js';
import { CustomersRepository } from './customers.repository.js';

const PRUNE_EVERY_MS = 10 * 60 * 1000;
/** How long shutdown waits for a run in progress; what it does not finish stays in the outbox. */
const SHUTDOWN_WAIT_MS = 5000;

/** The value on the topic, fields in contract order (jsonb does not keep the order they were written in). */
function toEvent(c: Customer): CustomerEvent {
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    city: c.city,
    segment: c.segment,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/**
 * Publishes the outbox to the compacted `customers` topic, oldest first, and marks what Kafka
 * acknowledged. Runs right after each commit (kick) and on a timer, which also picks up whatever
 * a crashed process committed but never sent. A crash after the send and before marking sends
 * that change again: consumers of a state topic keep the latest value per key, so that is harmless.
 */
@Injectable()
export class CustomerOutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CustomerOutboxRelay');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private active = false;
  private failing = false;
  private lastPrune = Date.now();
  private readonly published: Counter;
  private readonly failures: Counter;

  constructor(
    private readonly repository: CustomersRepository,
    private readonly producer: KafkaProducer,
    @Inject(CUSTOMERS_ENV) private readonly env: CustomersEnv,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.published = new Counter({
      name: 'customers_outbox_published_total',
      help: 'Customer changes published to the customers topic.',
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'customers_outbox_failures_total',
      help: 'Relay runs that could not publish (the changes stay in the outbox and are retried).',
      registers: [registry],
    });
    new Gauge({
      name: 'customers_outbox_pending',
      help: 'Customer changes committed but not yet published.',
      registers: [registry],
      collect: async function (this: Gauge) {
        this.set(await repository.pendingCount());
      },
    });
  }

  onApplicationBootstrap(): void {
    if (this.env.CUSTOMERS_OUTBOX_RELAY === 'off') {
      this.logger.warn('CUSTOMERS_OUTBOX_RELAY=off: customer changes stay in the outbox until a relay runs');
      return;
    }
    this.active = true;
    this.timer = setInterval(() => this.kick(), this.env.CUSTOMERS_OUTBOX_INTERVAL_MS);
    this.timer.unref();
    this.kick();
  }

  /** Asks for a run now; a run already in progress is followed by one more, so nothing committed is left behind. */
  kick(): void {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runUntilIdle().finally(() => {
      this.running = null;
    });
  }

  /** Stops the timer and waits for the run in progress, before the producer and the database close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.active = false;
    clearInterval(this.timer);
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private async runUntilIdle(): Promise<void> {
    do {
      this.again = false;
      await this.drain();
    } while (this.again && this.active);
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const sent = await this.repository.publishPending(this.env.CUSTOMERS_OUTBOX_BATCH, (entries) =>
          this.publish(entries),
        );
        if (sent !== null) this.published.inc(sent);
        if (sent === null || sent < this.env.CUSTOMERS_OUTBOX_BATCH || !this.active) break;
      }
      if (this.failing) this.logger.log('publishing customer changes again');
      this.failing = false;
      if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = Date.now();
        await this.repository.pruneSent(this.env.CUSTOMERS_OUTBOX_RETENTION_HOURS);
      }
    } catch (err: unknown) {
      this.failures.inc();
      // One line when publishing starts failing, not one per retry.
      if (!this.failing) {
        this.logger.warn(
          `cannot publish customer changes (kept in the outbox, retrying): ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      this.failing = true;
    }
  }

  private async publish(entries: readonly OutboxEntry[]): Promise<void> {
    await this.producer.sendBatch(
      entries.map((e) => ({
        topic: Topics.Customers,
        key: String(e.customerId),
        value: e.customer === null ? null : toEvent(e.customer),
        headers: { [CUSTOMER_EVENT_TYPE_HEADER]: e.type },
      })),
    );
  }
}
