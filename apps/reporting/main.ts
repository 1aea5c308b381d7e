import { ConsumerGroups, SERVICE_SPECS } from '@nurt/contracts';
import { loadDatabaseEnv } from '@nurt/database';
import { loadKafkaEnv } from '@nurt/kafka';
import { runApp } from '@nurt/runtime';
import { ReportingAppModule } from './reporting-app.module.js';

await runApp({
  name: 'reporting',
  defaultPort: SERVICE_SPECS.reporting.splitPort,
  module: () => ReportingAppModule,
  description: 'nurt reporting: sales statistics from the transactions topic (consumer group reporting).',
  consumerGroups: () => [{ groupId: ConsumerGroups.Reporting }],
  config: [() => loadKafkaEnv(), () => loadDatabaseEnv()],
});
