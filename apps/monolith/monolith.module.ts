import { Module } from '@nestjs/common';
import { KafkaModule } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import { PredictionModule } from '@nurt/prediction';
import { TransactionsModule } from '@nurt/transactions';

/** Every feature module in one process: the modular monolith. */
@Module({
  imports: [
    ObservabilityModule.forRoot({ app: 'monolith' }),
    KafkaModule.forRoot({ clientId: 'monolith' }),
    PredictionModule.forRoot(),
    TransactionsModule,
  ],
})
export class MonolithModule {}
