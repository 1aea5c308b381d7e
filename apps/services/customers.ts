import { CustomersModule, loadCustomersEnv } from '@nurt/customers';
import type { ServiceDefinition } from '@nurt/runtime';

export const customers: ServiceDefinition = {
  name: 'customers',
  description: 'nurt customers: customer data over REST, every change published to the compacted customers topic.',
  modules: () => [CustomersModule.forRoot()],
  config: [() => loadCustomersEnv()],
  kafka: true,
  database: true,
};
