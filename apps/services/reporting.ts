import { ReportingModule, ReportingProjection } from '@nurt/reporting';
import type { ServiceDefinition } from '@nurt/runtime';

export const reporting: ServiceDefinition = {
  name: 'reporting',
  description: 'nurt reporting: sales statistics from the transactions topic (consumer group reporting).',
  modules: () => [ReportingModule],
  projections: [ReportingProjection],
  kafka: true,
  database: true,
};
