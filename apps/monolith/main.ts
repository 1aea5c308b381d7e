import { loadKafkaEnv } from '@nurt/kafka';
import { loadPredictionEnv } from '@nurt/prediction';
import { runApp } from '@nurt/runtime';
import { loadTransactionsEnv } from '@nurt/transactions';
import { MonolithModule } from './monolith.module.js';

await runApp({
  name: 'monolith',
  module: () => MonolithModule,
  config: [() => loadKafkaEnv(), () => loadPredictionEnv(), () => loadTransactionsEnv()],
});
