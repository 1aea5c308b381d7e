import { Module } from '@nestjs/common';
import { GatewayModule } from '@nurt/gateway';
import { ObservabilityModule } from '@nurt/observability';

/** The entry point of the split deployment: no Kafka, no database, only routing. */
@Module({
  imports: [ObservabilityModule.forRoot({ app: 'gateway' }), GatewayModule.forRoot()],
})
export class GatewayAppModule {}
