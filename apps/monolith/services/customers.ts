import { CustomersModule, loadCustomersEnv } from '@nurt/customers';
import type { ServicePart } from './service-part.js';

export const part: ServicePart = {
  imports: () => [CustomersModule.forRoot()],
  consumerGroups: [],
  config: [() => loadCustomersEnv()],
  kafka: true,
  database: true,
};
