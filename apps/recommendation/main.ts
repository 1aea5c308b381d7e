import { ConsumerGroups, SERVICE_SPECS } from '@nurt/contracts';
import { loadDatabaseEnv } from '@nurt/database';
import { loadKafkaEnv } from '@nurt/kafka';
import { runApp } from '@nurt/runtime';
import { RecommendationAppModule } from './recommendation-app.module.js';

await runApp({
  name: 'recommendation',
  defaultPort: SERVICE_SPECS.recommendation.splitPort,
  module: () => RecommendationAppModule,
  description: 'nurt recommendation: customer profiles and store recommendations (consumer group recommendation).',
  consumerGroups: () => [{ groupId: ConsumerGroups.Recommendation }],
  config: [() => loadKafkaEnv(), () => loadDatabaseEnv()],
});
