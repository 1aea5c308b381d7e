import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Transaction } from '@nurt/contracts';
import { startProjections } from '@nurt/kafka';
import { composeServices, createValidationPipe, groupsOf, type ServiceDefinition } from '@nurt/runtime';
import { startGroupAtEnd } from './kafka.js';

export interface ServiceAppOptions {
  readonly name: string;
  /** Composed as the apps compose them (apps/services/*.ts, or a test's own definition). */
  readonly services: readonly ServiceDefinition[];
  /** Appended to every consumer group id, which is first positioned at the end of its topics. */
  readonly groupSuffix: string;
  /** The interface to listen on (default loopback only). */
  readonly host?: string;
  /** PostgreSQL; without it, an in-memory PGlite. */
  readonly databaseUrl?: string;
  readonly env?: Record<string, string>;
  /** Leave the groups where they are (a restarted worker resumes from its committed offsets). */
  readonly keepOffsets?: boolean;
  /** Errors only in the log (a test that dead-letters thousands of records on purpose). */
  readonly quiet?: boolean;
}

/**
 * The given services in one Nest app, as `runApp` builds it (same composition, same validation),
 * minus Swagger UI (its static files cannot load under jest's ESM VM; the e2e of the built apps
 * covers /docs): listening on a free port, then its consumer groups started.
 */
export async function startServiceApp(
  options: ServiceAppOptions,
): Promise<{ app: NestFastifyApplication; url: string }> {
  const env = {
    ...process.env,
    KAFKA_GROUP_SUFFIX: options.groupSuffix,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : { DATABASE_URL: '', PGLITE_DIR: 'memory' }),
    ...options.env,
  };
  const composition = composeServices(options.name, options.services, { env });
  if (!options.keepOffsets) await positionGroupsAtEnd(options.services, options.groupSuffix);
  const app = await NestFactory.create<NestFastifyApplication>(
    composition.module,
    new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } }),
    { logger: options.quiet ? ['error'] : ['error', 'warn'] },
  );
  app.useGlobalPipes(createValidationPipe());
  await app.init();
  await app.listen(0, options.host ?? '127.0.0.1');
  await startProjections(app, composition.projections);
  return { app, url: await app.getUrl() };
}

/**
 * Positions every consumer group of `services` (plus `suffix`) at the end of each topic it reads,
 * before any of them starts, so that a test's groups see only what the test produces.
 */
export async function positionGroupsAtEnd(services: readonly ServiceDefinition[], suffix: string): Promise<void> {
  for (const { group, contracts } of groupsOf(services)) {
    for (const { topic } of contracts) await startGroupAtEnd(`${group}${suffix}`, topic);
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Stores named for this run, so the shared topic's other traffic never shows in a view. */
export function runStores(run: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `S${run}-${i}`);
}

/** n transactions over the run's stores and customers; deterministic amounts. */
export function makeTransactions(run: string, n: number, stores: readonly string[], customers: number): Transaction[] {
  const types = ['purchase', 'purchase', 'purchase', 'withdrawal', 'refund'] as const;
  return Array.from({ length: n }, (_, i) => ({
    id: `${run}-tx-${i}`,
    amount: 10 + ((i * 37) % 500) + (i % 100) / 100,
    currency: 'PLN',
    store: stores[i % stores.length] ?? 'nowhere',
    type: types[i % types.length] ?? 'purchase',
    customerId: `${run}-c${i % customers}`,
    occurredAt: new Date(Date.UTC(2026, 10, 24, 12, 0, 0) + i * 1000).toISOString(),
  }));
}
