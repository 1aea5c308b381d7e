import { SERVICE_SPECS } from '@nurt/contracts';
import { loadKafkaEnv } from '@nurt/kafka';
import { runApp } from '@nurt/runtime';
import { loadTransactionsEnv } from '@nurt/transactions';
import { TransactionsAppModule } from './transactions-app.module.js';

await runApp({
  name: 'transactions',
  defaultPort: SERVICE_SPECS.transactions.splitPort,
  module: () => TransactionsAppModule,
  description: 'nurt transactions: REST ingest into the transactions topic.',
  config: [() => loadKafkaEnv(), () => loadTransactionsEnv()],
});
