import { SERVICE_SPECS, type ServiceName } from '@nurt/contracts';
import { runApp, type ServiceDefinition } from '@nurt/runtime';

/**
 * Every service's definition (`./<service>.ts`), imported only when asked for, so that a process
 * running customers alone never loads TensorFlow.js. Relative imports: the build rewrites `@nurt/*`
 * only in static import declarations.
 */
const loaders: Readonly<Record<ServiceName, () => Promise<ServiceDefinition>>> = {
  customers: async () => (await import('./customers.js')).customers,
  prediction: async () => (await import('./prediction.js')).prediction,
  transactions: async () => (await import('./transactions.js')).transactions,
  fraud: async () => (await import('./fraud.js')).fraud,
  reporting: async () => (await import('./reporting.js')).reporting,
  recommendation: async () => (await import('./recommendation.js')).recommendation,
};

export function loadServices(names: readonly ServiceName[]): Promise<ServiceDefinition[]> {
  return Promise.all(names.map((name) => loaders[name]()));
}

/** The whole main.ts of a service's own app. */
export async function runService(name: ServiceName): Promise<void> {
  const [service] = await loadServices([name]);
  if (!service) throw new Error(`no service ${name}`);
  await runApp({
    name,
    description: service.description,
    defaultPort: SERVICE_SPECS[name].splitPort,
    services: () => [service],
  });
}
