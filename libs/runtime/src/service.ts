import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { projectionGroups, type ProjectionDefinition } from '@nurt/kafka';
import { checkDatabaseConfig, DatabaseModule, loadDatabaseEnv } from '@nurt/database';
import { KafkaModule, loadKafkaEnv } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import type { Env } from '@nurt/config';

/**
 * What a service is, written once (`apps/services/<name>.ts`) and read by the monolith, the
 * service's own app, the tests and the benches: its feature modules, its consumer groups, the
 * config it checks at start-up, and whether it needs Kafka and a database. Adding a consumer group
 * to a service is one projection file and one line in `projections`.
 */
export interface ServiceDefinition {
  readonly name: string;
  readonly description: string;
  /** The feature modules (built once per composition; dynamic modules are fine). */
  readonly modules: () => readonly (Type | DynamicModule)[];
  /** Consumer groups: `@Projection` classes. Their dependencies come from `modules`, which must export them. */
  readonly projections?: readonly Type[];
  /** Loaders of the features' own env config (Kafka and the database are checked when needed). */
  readonly config?: readonly (() => unknown)[];
  readonly kafka: boolean;
  readonly database: boolean;
}

/** One process's composition of services: the root module, the consumer groups to start, the config to check. */
export interface Composition {
  readonly module: Type | DynamicModule;
  readonly projections: readonly Type[];
  readonly config: readonly (() => unknown)[];
}

export interface ComposeOptions {
  /** Env for the platform modules (Kafka, database) instead of process.env (tests). */
  readonly env?: Env;
}

/** The consumer groups the services run, with the topics each reads (no Nest needed). */
export function groupsOf(services: readonly ServiceDefinition[]): ProjectionDefinition[] {
  return projectionGroups(services.flatMap((s) => s.projections ?? []));
}

@Module({})
class ServicesModule {}

@Module({})
class AppRootModule {}

/**
 * The root module of a process running `services`: observability always, Kafka and the database
 * only if a service needs them, every feature module, and the projections as controllers. The
 * same function composes the monolith (every service), one service alone, and the test apps.
 */
export function composeServices(
  app: string,
  services: readonly ServiceDefinition[],
  options: ComposeOptions = {},
): Composition {
  const projections = services.flatMap((s) => s.projections ?? []);
  const kafka = services.some((s) => s.kafka) || projections.length > 0;
  const database = services.some((s) => s.database);
  const env = options.env;
  const features = services.flatMap((s) => s.modules());
  return {
    module: {
      module: AppRootModule,
      imports: [
        ObservabilityModule.forRoot({ app, ...(env ? { env } : {}) }),
        ...(kafka ? [KafkaModule.forRoot({ clientId: app, ...(env ? { env: loadKafkaEnv(env) } : {}) })] : []),
        ...(database ? [DatabaseModule.forRoot({ app, ...(env ? { env: loadDatabaseEnv(env) } : {}) })] : []),
        { module: ServicesModule, imports: features, controllers: projections },
      ],
    },
    projections,
    config: [
      ...(kafka ? [() => loadKafkaEnv(env)] : []),
      ...(database ? [() => checkDatabaseConfig(app, env)] : []),
      ...services.flatMap((s) => s.config ?? []),
    ],
  };
}
