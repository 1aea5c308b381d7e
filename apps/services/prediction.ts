import { loadPredictionEnv, PredictionModule } from '@nurt/prediction';
import type { ServiceDefinition } from '@nurt/runtime';

export const prediction: ServiceDefinition = {
  name: 'prediction',
  description: 'nurt prediction: the real-estate price model served over REST.',
  modules: () => [PredictionModule.forRoot()],
  config: [() => loadPredictionEnv()],
  kafka: false,
  database: false,
};
