import { ConsumerGroups } from './consumer-groups.js';

/**
 * The services nurt splits into, and the HTTP paths each one owns. The monolith serves all of
 * them on one port; in split mode the gateway routes each path to the service that owns it, so a
 * client cannot tell the two apart. One table, read by the services (their default port), the
 * gateway and the split launcher, so the three never disagree.
 */
export const SERVICES = ['customers', 'prediction', 'transactions', 'fraud', 'reporting', 'recommendation'] as const;

export type ServiceName = (typeof SERVICES)[number];

export interface ServiceSpec {
  /** Path prefixes the service answers, in Fastify route syntax (`:id` matches one segment). */
  readonly paths: readonly string[];
  /** Its port when PORT is unset, and in `npm run start:split` (every service on one machine). */
  readonly splitPort: number;
}

export const SERVICE_SPECS: Readonly<Record<ServiceName, ServiceSpec>> = {
  customers: { paths: ['/customers'], splitPort: 3001 },
  prediction: { paths: ['/predict', '/models'], splitPort: 3002 },
  transactions: { paths: ['/transactions'], splitPort: 3003 },
  // Each consumer group's admin endpoints (/admin/groups/<group>/...) live where the group runs.
  fraud: { paths: ['/fraud', `/admin/groups/${ConsumerGroups.AntiFraud}`], splitPort: 3004 },
  reporting: { paths: ['/reports', `/admin/groups/${ConsumerGroups.Reporting}`], splitPort: 3005 },
  // A customer's profile is built by recommendation from the transactions it read, so it owns
  // that sub-path of /customers; the more specific route wins over /customers/* in the gateway.
  recommendation: {
    paths: ['/recommendations', '/customers/:id/profile', `/admin/groups/${ConsumerGroups.Recommendation}`],
    splitPort: 3006,
  },
};
