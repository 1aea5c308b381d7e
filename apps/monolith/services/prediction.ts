import { loadPredictionEnv, PredictionModule } from '@nurt/prediction';
import type { ServicePart } from './service-part.js';

export const part: ServicePart = {
  imports: () => [PredictionModule.forRoot()],
  consumerGroups: [],
  config: [() => loadPredictionEnv()],
  kafka: false,
  database: false,
};
