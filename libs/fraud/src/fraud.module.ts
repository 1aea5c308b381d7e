import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { FraudAlertPublisher } from './fraud-alert.publisher.js';
import { loadFraudEnv } from './fraud.config.js';
import { FRAUD_ENV } from './fraud.constants.js';
import { FraudController, FraudHandler } from './fraud.controller.js';
import { fraudMigrations } from './fraud.migrations.js';
import { FraudRepository } from './fraud.repository.js';
import { FraudService } from './fraud.service.js';

/** The `anti-fraud` consumer group: rules, alerts in the `fraud` schema and on the fraud-alerts topic. */
@Module({
  imports: [DatabaseModule.forFeature(fraudMigrations)],
  controllers: [FraudController, FraudHandler],
  providers: [
    { provide: FRAUD_ENV, useFactory: () => loadFraudEnv() },
    FraudRepository,
    FraudService,
    FraudAlertPublisher,
  ],
})
export class FraudModule {}
