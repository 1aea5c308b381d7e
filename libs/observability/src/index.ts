export { ADMIN_ENV, AdminGuard, loadAdminEnv, type AdminEnv } from './admin.guard.js';
export {
  HealthRegistry,
  type HealthCheck,
  type HealthCheckResult,
  type HealthReport,
  type HealthStatus,
} from './health.registry.js';
export { createMetricsRegistry, METRICS_REGISTRY } from './metrics.js';
export { ObservabilityModule, type ObservabilityOptions } from './observability.module.js';
