import { ConsumerGroups } from '@nurt/contracts';
import { ReportingModule } from '@nurt/reporting';
import type { ServicePart } from './service-part.js';

export const part: ServicePart = {
  imports: () => [ReportingModule],
  consumerGroups: [{ groupId: ConsumerGroups.Reporting }],
  config: [],
  kafka: true,
  database: true,
};
