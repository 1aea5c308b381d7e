import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { FraudAlertPublisher } from './fraud-alert.publisher.js';
import { loadFraudEnv } from './fraud.config.js';
import { FRAUD_ENV } from './fraud.constants.js';
import { FraudController } from './fraud.controller.js';
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
    FraudAlertPublisher,
  ],
  exports: [FraudService],
})
export class FraudModule {}
