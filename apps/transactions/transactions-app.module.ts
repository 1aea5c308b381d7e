import { Module } from '@nestjs/common';
import { KafkaModule } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import { TransactionsModule } from '@nurt/transactions';

/** Ingest alone: REST in, Kafka out; no consumer group, no database. */
@Module({
  imports: [
    ObservabilityModule.forRoot({ app: 'transactions' }),
    KafkaModule.forRoot({ clientId: 'transactions' }),
    TransactionsModule,
  ],
})
export class TransactionsAppModule {}
