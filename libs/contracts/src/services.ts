/**
 * The services nurt splits into, and the HTTP paths each one owns. The monolith serves all of
 * them on one port; in split mode the gateway routes each path to the service that owns it, so a
 * client cannot tell the two apart. One table, read by the monolith (NURT_SERVICES), the gateway
 * and the split launcher, so the three never disagree.
 */
export const SERVICES = ['customers', 'prediction', 'transactions', 'fraud', 'reporting', 'recommendation'] as const;

export type ServiceName = (typeof SERVICES)[number];

export interface ServiceSpec {
  /** Path prefixes the service answers, in Fastify route syntax (`:id` matches one segment). */
  readonly paths: readonly string[];
  /** Port the service listens on when `npm run start:split` runs every service on one machine. */
  readonly splitPort: number;
  /** Its consumer group on the transactions topic, when it is a worker. */
  readonly worker: boolean;
}

export const SERVICE_SPECS: Readonly<Record<ServiceName, ServiceSpec>> = {
  customers: { paths: ['/customers'], splitPort: 3001, worker: false },
  prediction: { paths: ['/predict', '/models'], splitPort: 3002, worker: false },
  transactions: { paths: ['/transactions'], splitPort: 3003, worker: false },
  fraud: { paths: ['/fraud'], splitPort: 3004, worker: true },
  reporting: { paths: ['/reports'], splitPort: 3005, worker: true },
  // A customer's profile is built by recommendation from the transactions it read, so it owns
  // that sub-path of /customers; the more specific route wins over /customers/* in the gateway.
  recommendation: { paths: ['/recommendations', '/customers/:id/profile'], splitPort: 3006, worker: true },
};

export function isServiceName(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

/**
 * Parses a NURT_SERVICES-style list ("customers, prediction"); empty means every service.
 * Throws naming each unknown entry.
 */
export function parseServiceList(value: string | undefined): ServiceName[] {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (names.length === 0) return [...SERVICES];
  const unknown = names.filter((n) => !isServiceName(n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown service ${unknown.map((u) => JSON.stringify(u)).join(', ')}; known: ${SERVICES.join(', ')}`,
    );
  }
  return SERVICES.filter((s) => names.includes(s));
}
