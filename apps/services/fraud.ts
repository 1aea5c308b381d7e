import { FraudModule, FraudProjection, loadFraudEnv } from '@nurt/fraud';
import type { ServiceDefinition } from '@nurt/runtime';

export const fraud: ServiceDefinition = {
  name: 'fraud',
  description: 'nurt fraud: rules over the transactions topic (consumer group anti-fraud), alerts to fraud-alerts.',
  modules: () => [FraudModule],
  projections: [FraudProjection],
  config: [() => loadFraudEnv()],
  kafka: true,
  database: true,
};
