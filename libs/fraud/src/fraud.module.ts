import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { KafkaProducer, OutboxRelay } from '@nurt/kafka';
import { METRICS_REGISTRY } from '@nurt/observability';
import type { Registry } from 'prom-client';
import { loadFraudEnv } from './fraud.config.js';
import { FRAUD_ALERTS_OUTBOX, FRAUD_ENV } from './fraud.constants.js';
import { FraudController } from './fraud.controller.js';
import { FraudPanel } from './fraud.panel.js';
import { fraudMigrations } from './fraud.migrations.js';
import { FraudRepository } from './fraud.repository.js';
import { FraudService } from './fraud.service.js';

/**
 * Fraud rules, alerts in the `fraud` schema and on the fraud-alerts topic, applied by the
 * `anti-fraud` consumer group (FraudProjection, which the app runs).
 */
@Module({
  imports: [DatabaseModule.forFeature(fraudMigrations)],
  controllers: [FraudController],
  providers: [
    { provide: FRAUD_ENV, useFactory: () => loadFraudEnv() },
    FraudRepository,
    FraudService,
    FraudPanel,
    {
      // Alerts are committed with the batch that raised them, then published keyed by customer and
      // marked; a failed send is retried every second (alerts are small and rare), one stored just
      // before a crash goes out at the next start. At-least-once, with a stable alert id.
      provide: FRAUD_ALERTS_OUTBOX,
      inject: [FraudRepository, KafkaProducer, METRICS_REGISTRY],
      useFactory: (repository: FraudRepository, producer: KafkaProducer, registry: Registry) =>
        new OutboxRelay(repository, producer, { name: 'fraud_alerts', intervalMs: 1000, batch: 500, registry }),
    },
  ],
  exports: [FraudService],
})
export class FraudModule {}
