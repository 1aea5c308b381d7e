import { Module } from '@nestjs/common';
import { ObservabilityModule } from '@nurt/observability';
import { PredictionModule } from '@nurt/prediction';

/** The price model alone: no Kafka, nothing else to start. */
@Module({
  imports: [ObservabilityModule.forRoot({ app: 'prediction' }), PredictionModule.forRoot()],
})
export class PredictionAppModule {}
