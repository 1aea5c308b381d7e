import { ConsumerGroups } from '@nurt/contracts';
import { FraudModule, loadFraudEnv } from '@nurt/fraud';
import type { ServicePart } from './service-part.js';

export const part: ServicePart = {
  imports: () => [FraudModule],
  consumerGroups: [{ groupId: ConsumerGroups.AntiFraud }],
  config: [() => loadFraudEnv()],
  kafka: true,
  database: true,
};
