import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Topics, type Transaction } from '@nurt/contracts';
import { DatabaseModule, loadDatabaseEnv } from '@nurt/database';
import { connectConsumerGroups, KafkaModule, loadKafkaEnv } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import { createValidationPipe } from '@nurt/runtime';
import { startGroupAtEnd } from './kafka.js';

export interface PipelineAppOptions {
  readonly name: string;
  readonly features: readonly (Type | DynamicModule)[];
  /** Consumer groups to run (ids from @nurt/contracts); the suffix keeps them apart from other runs. */
  readonly groups: readonly string[];
  readonly groupSuffix: string;
  readonly databaseUrl: string;
  readonly env?: Record<string, string>;
}

/**
 * A Nest app with the given feature modules and consumer groups, listening on a free port,
 * built the way apps/* are composed (feature modules + Kafka + database roots).
 */
export async function startPipelineApp(
  options: PipelineAppOptions,
): Promise<{ app: NestFastifyApplication; url: string }> {
  const env = { ...process.env, KAFKA_GROUP_SUFFIX: options.groupSuffix, ...options.env };
  @Module({
    imports: [
      ObservabilityModule.forRoot({ app: options.name }),
      KafkaModule.forRoot({ clientId: options.name, env: loadKafkaEnv(env) }),
      DatabaseModule.forRoot({ app: options.name, env: loadDatabaseEnv({ DATABASE_URL: options.databaseUrl }) }),
      ...options.features,
    ],
  })
  class PipelineTestModule {}
  const moduleRef = await Test.createTestingModule({ imports: [PipelineTestModule] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: ['error', 'warn'],
  });
  app.useGlobalPipes(createValidationPipe());
  await app.init();
  await connectConsumerGroups(
    app,
    options.groups.map((groupId) => ({ groupId })),
  );
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

/** Seeds every group of this run at the end of the topics it reads, before any of them starts. */
export async function seedGroups(groups: readonly string[], suffix: string, topics: readonly string[]): Promise<void> {
  for (const g of groups) for (const t of topics) await startGroupAtEnd(`${g}${suffix}`, t);
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

export const TransactionsTopic = Topics.Transactions;
