import type { ServiceName } from '@nurt/contracts';
import type { ServicePart } from './service-part.js';

export type { ServicePart } from './service-part.js';

/**
 * Each service's part is imported only when selected, so `NURT_SERVICES=customers` does not load
 * TensorFlow.js. Relative imports: the build rewrites `@nurt/*` only in static import declarations.
 */
const loaders: Readonly<Record<ServiceName, () => Promise<{ part: ServicePart }>>> = {
  customers: () => import('./customers.js'),
  prediction: () => import('./prediction.js'),
  transactions: () => import('./transactions.js'),
  fraud: () => import('./fraud.js'),
  reporting: () => import('./reporting.js'),
  recommendation: () => import('./recommendation.js'),
};

export async function loadServiceParts(services: readonly ServiceName[]): Promise<ServicePart[]> {
  return Promise.all(services.map(async (s) => (await loaders[s]()).part));
}
