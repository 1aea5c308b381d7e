import { ConsumerGroups } from '@nurt/contracts';
import { RecommendationModule } from '@nurt/recommendation';
import type { ServicePart } from './service-part.js';

export const part: ServicePart = {
  imports: () => [RecommendationModule],
  consumerGroups: [{ groupId: ConsumerGroups.Recommendation }],
  config: [],
  kafka: true,
  database: true,
};
