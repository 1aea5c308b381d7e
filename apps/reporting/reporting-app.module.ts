import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { KafkaModule } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import { ReportingModule } from '@nurt/reporting';

@Module({
  imports: [
    ObservabilityModule.forRoot({ app: 'reporting' }),
    KafkaModule.forRoot({ clientId: 'reporting' }),
    DatabaseModule.forRoot({ app: 'reporting' }),
    ReportingModule,
  ],
})
export class ReportingAppModule {}
