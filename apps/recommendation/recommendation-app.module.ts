import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { KafkaModule } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import { RecommendationModule } from '@nurt/recommendation';

@Module({
  imports: [
    ObservabilityModule.forRoot({ app: 'recommendation' }),
    KafkaModule.forRoot({ clientId: 'recommendation' }),
    DatabaseModule.forRoot({ app: 'recommendation' }),
    RecommendationModule,
  ],
})
export class RecommendationAppModule {}
