import { RecommendationModule, RecommendationProjection } from '@nurt/recommendation';
import type { ServiceDefinition } from '@nurt/runtime';

export const recommendation: ServiceDefinition = {
  name: 'recommendation',
  description: 'nurt recommendation: customer profiles and store recommendations (consumer group recommendation).',
  modules: () => [RecommendationModule],
  projections: [RecommendationProjection],
  kafka: true,
  database: true,
};
