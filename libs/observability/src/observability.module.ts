import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { HealthRegistry } from './health.registry.js';
import { HttpMetrics } from './http-metrics.js';
import { createMetricsRegistry, METRICS_REGISTRY, MetricsController } from './metrics.js';

export interface ObservabilityOptions {
  /** The app name, put on every metric as the `app` label. */
  readonly app: string;
}

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController, MetricsController],
      providers: [
        HealthRegistry,
        HttpMetrics,
        { provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry(options.app) },
      ],
      exports: [HealthRegistry, METRICS_REGISTRY],
    };
  }
}
