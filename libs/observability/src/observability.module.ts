import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, Reflector } from '@nestjs/core';
import type { Env } from '@nurt/config';
import { ADMIN_ENV, AdminGuard, loadAdminEnv } from './admin.guard.js';
import { Dashboard } from './dashboard.js';
import { DashboardController } from './dashboard.controller.js';
import { HealthController } from './health.controller.js';
import { HealthRegistry } from './health.registry.js';
import { HttpMetrics } from './http-metrics.js';
import { createMetricsRegistry, METRICS_REGISTRY, MetricsController } from './metrics.js';

export interface ObservabilityOptions {
  /** The app name, put on every metric as the `app` label. */
  readonly app: string;
  /** Env to read (NURT_ADMIN_TOKEN) instead of process.env (tests). */
  readonly env?: Env;
  /** How often the live dashboard refreshes (default 1000 ms). */
  readonly dashboardIntervalMs?: number;
}

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [DiscoveryModule],
      controllers: [HealthController, MetricsController, DashboardController],
      providers: [
        HealthRegistry,
        HttpMetrics,
        {
          provide: Dashboard,
          inject: [DiscoveryService, Reflector],
          useFactory: (discovery: DiscoveryService, reflector: Reflector) =>
            new Dashboard(discovery, reflector, options.app, options.dashboardIntervalMs ?? 1000),
        },
        { provide: ADMIN_ENV, useFactory: () => loadAdminEnv(options.env) },
        AdminGuard,
        { provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry(options.app) },
      ],
      exports: [HealthRegistry, HttpMetrics, METRICS_REGISTRY, ADMIN_ENV, AdminGuard],
    };
  }
}
