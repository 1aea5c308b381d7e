import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Env } from '@nurt/config';
import { ADMIN_ENV, AdminGuard, loadAdminEnv } from './admin.guard.js';
import { HealthController } from './health.controller.js';
import { HealthRegistry } from './health.registry.js';
import { HttpMetrics } from './http-metrics.js';
import { createMetricsRegistry, METRICS_REGISTRY, MetricsController } from './metrics.js';

export interface ObservabilityOptions {
  /** The app name, put on every metric as the `app` label. */
  readonly app: string;
  /** Env to read (NURT_ADMIN_TOKEN) instead of process.env (tests). */
  readonly env?: Env;
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
        { provide: ADMIN_ENV, useFactory: () => loadAdminEnv(options.env) },
        AdminGuard,
        { provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry(options.app) },
      ],
      exports: [HealthRegistry, METRICS_REGISTRY, ADMIN_ENV, AdminGuard],
    };
  }
}
