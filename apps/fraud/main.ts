import { ConsumerGroups, SERVICE_SPECS } from '@nurt/contracts';
import { loadDatabaseEnv } from '@nurt/database';
import { loadFraudEnv } from '@nurt/fraud';
import { loadKafkaEnv } from '@nurt/kafka';
import { runApp } from '@nurt/runtime';
import { FraudAppModule } from './fraud-app.module.js';

await runApp({
  name: 'fraud',
  defaultPort: SERVICE_SPECS.fraud.splitPort,
  module: () => FraudAppModule,
  description: 'nurt fraud: rules over the transactions topic (consumer group anti-fraud), alerts to fraud-alerts.',
  consumerGroups: () => [{ groupId: ConsumerGroups.AntiFraud }],
  config: [() => loadKafkaEnv(), () => loadDatabaseEnv(), () => loadFraudEnv()],
});
