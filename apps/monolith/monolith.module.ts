import { Module } from '@nestjs/common';
import { CustomersModule } from '@nurt/customers';
import { DatabaseModule } from '@nurt/database';
import { FraudModule } from '@nurt/fraud';
import { KafkaModule } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import { PredictionModule } from '@nurt/prediction';
import { RecommendationModule } from '@nurt/recommendation';
import { ReportingModule } from '@nurt/reporting';
import { TransactionsModule } from '@nurt/transactions';

/** Every feature module in one process: the modular monolith. */
@Module({
  imports: [
    ObservabilityModule.forRoot({ app: 'monolith' }),
    KafkaModule.forRoot({ clientId: 'monolith' }),
    DatabaseModule.forRoot({ app: 'monolith' }),
    PredictionModule.forRoot(),
    TransactionsModule,
    CustomersModule.forRoot(),
    ReportingModule,
    FraudModule,
    RecommendationModule,
  ],
})
export class MonolithModule {}
