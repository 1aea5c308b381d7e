import { loadTransactionsEnv, TransactionsModule } from '@nurt/transactions';
import type { ServicePart } from './service-part.js';

export const part: ServicePart = {
  imports: () => [TransactionsModule],
  consumerGroups: [],
  config: [() => loadTransactionsEnv()],
  kafka: true,
  database: false,
};
