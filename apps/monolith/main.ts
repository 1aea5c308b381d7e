import { ConsumerGroups } from '@nurt/contracts';
import { loadCustomersEnv } from '@nurt/customers';
import { loadDatabaseEnv } from '@nurt/database';
import { loadFraudEnv } from '@nurt/fraud';
import { loadKafkaEnv } from '@nurt/kafka';
import { loadPredictionEnv } from '@nurt/prediction';
import { runApp } from '@nurt/runtime';
import { loadTransactionsEnv } from '@nurt/transactions';
import { MonolithModule } from './monolith.module.js';

await runApp({
  name: 'monolith',
  module: () => MonolithModule,
  consumerGroups: () => [
    { groupId: ConsumerGroups.Reporting },
    { groupId: ConsumerGroups.AntiFraud },
    { groupId: ConsumerGroups.Recommendation },
  ],
  config: [
    () => loadKafkaEnv(),
    () => loadFraudEnv(),
    () => loadDatabaseEnv(),
    () => loadPredictionEnv(),
    () => loadTransactionsEnv(),
    () => loadCustomersEnv(),
  ],
});
