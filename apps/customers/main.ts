import { SERVICE_SPECS } from '@nurt/contracts';
import { loadCustomersEnv } from '@nurt/customers';
import { loadDatabaseEnv } from '@nurt/database';
import { loadKafkaEnv } from '@nurt/kafka';
import { runApp } from '@nurt/runtime';
import { CustomersAppModule } from './customers-app.module.js';

await runApp({
  name: 'customers',
  defaultPort: SERVICE_SPECS.customers.splitPort,
  module: () => CustomersAppModule,
  description: 'nurt customers: customer data over REST, every change published to the compacted customers topic.',
  config: [() => loadKafkaEnv(), () => loadDatabaseEnv(), () => loadCustomersEnv()],
});
