import { Module } from '@nestjs/common';
import { CustomersModule } from '@nurt/customers';
import { DatabaseModule } from '@nurt/database';
import { KafkaModule } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';

@Module({
  imports: [
    ObservabilityModule.forRoot({ app: 'customers' }),
    KafkaModule.forRoot({ clientId: 'customers' }),
    DatabaseModule.forRoot({ app: 'customers' }),
    CustomersModule.forRoot(),
  ],
})
export class CustomersAppModule {}
