export { ADMIN_ENV, AdminGuard, loadAdminEnv, type AdminEnv } from './admin.guard.js';
export {
  DashboardPanels,
  type DashboardState,
  type GroupMemberView,
  type GroupPartitionView,
  type Panel,
  type PanelSource,
  type PanelView,
  type TopicView,
} from './dashboard.js';
export {
  HealthRegistry,
  type HealthCheck,
  type HealthCheckResult,
  type HealthReport,
  type HealthStatus,
} from './health.registry.js';
export { HttpMetrics } from './http-metrics.js';
export { createMetricsRegistry, METRICS_REGISTRY } from './metrics.js';
export { ObservabilityModule, type ObservabilityOptions } from './observability.module.js';
