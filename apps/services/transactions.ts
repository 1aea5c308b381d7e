import type { ServiceDefinition } from '@nurt/runtime';
import { loadTransactionsEnv, TransactionsModule } from '@nurt/transactions';

export const transactions: ServiceDefinition = {
  name: 'transactions',
  description: 'nurt transactions: REST ingest into the transactions topic.',
  modules: () => [TransactionsModule],
  config: [() => loadTransactionsEnv()],
  kafka: true,
  database: false,
};
