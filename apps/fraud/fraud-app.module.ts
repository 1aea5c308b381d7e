import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { FraudModule } from '@nurt/fraud';
import { KafkaModule } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';

@Module({
  imports: [
    ObservabilityModule.forRoot({ app: 'fraud' }),
    KafkaModule.forRoot({ clientId: 'fraud' }),
    DatabaseModule.forRoot({ app: 'fraud' }),
    FraudModule,
  ],
})
export class FraudAppModule {}
