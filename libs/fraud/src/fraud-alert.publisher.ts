import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Topics } from '@nurt/contracts';
import { KafkaProducer } from '@nurt/kafka';
import { FraudRepository } from './fraud.repository.js';

const BATCH = 500;

/**
 * Moves stored alerts to the `fraud-alerts` topic (an outbox): an alert is committed with the
 * transaction that raised it, then published and marked. If the process dies in between, the
 * next flush (at start-up or after the next alert) publishes it: at-least-once, alert id stable.
 */
@Injectable()
export class FraudAlertPublisher implements OnApplicationBootstrap {
  private readonly logger = new Logger(FraudAlertPublisher.name);
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly repository: FraudRepository,
    private readonly producer: KafkaProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.flush().catch((err: unknown) => this.logger.warn(`publishing stored alerts failed: ${String(err)}`));
  }

  /** Publishes every unpublished alert; concurrent calls share one run (plus one more if asked meanwhile). */
  async flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          for (let alerts = await this.repository.unpublished(BATCH); alerts.length > 0;) {
            await this.producer.sendBatch(
              alerts.map((a) => ({ topic: Topics.FraudAlerts, key: a.customerId, value: a })),
            );
            await this.repository.markPublished(alerts.map((a) => a.id));
            alerts = alerts.length === BATCH ? await this.repository.unpublished(BATCH) : [];
          }
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
