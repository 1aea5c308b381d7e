import { Module, type DynamicModule } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { KafkaModule } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import type { ServicePart } from './services/index.js';

/**
 * The modular monolith: the feature modules of every selected service in one process, on one
 * port. Kafka and the database are started only when a selected service needs them.
 */
@Module({})
export class MonolithModule {
  static compose(parts: readonly ServicePart[]): DynamicModule {
    return {
      module: MonolithModule,
      imports: [
        ObservabilityModule.forRoot({ app: 'monolith' }),
        ...(parts.some((p) => p.kafka) ? [KafkaModule.forRoot({ clientId: 'monolith' })] : []),
        ...(parts.some((p) => p.database) ? [DatabaseModule.forRoot({ app: 'monolith' })] : []),
        ...parts.flatMap((p) => p.imports()),
      ],
    };
  }
}
