import { resolve } from 'node:path';
import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HealthRegistry, type HealthCheck, type HealthCheckResult } from '@nurt/observability';
import type { Database } from './database.js';
import type { Env } from '@nurt/config';
import { loadDatabaseEnv, type DatabaseEnv } from './database.config.js';
import { checkPgliteDir } from './pglite-lock.js';
import { migrate, type SchemaMigrations } from './migrations.js';
import { PgliteDatabase } from './pglite.database.js';
import { PostgresDatabase } from './postgres.database.js';
import { DATABASE, DATABASE_ENV } from './database.constants.js';
import { RetentionSchedule } from './retention.js';

export interface DatabaseModuleOptions {
  /** Names the default PGlite folder (.data/pglite/<app>), so separate apps never share one. */
  readonly app: string;
  /** Env to read instead of process.env (tests). */
  readonly env?: DatabaseEnv;
}

/** The PGlite folder `app` uses, or undefined for PostgreSQL or an in-memory PGlite. */
function pgliteDir(env: DatabaseEnv, app: string): string | undefined {
  if (env.DATABASE_URL) return undefined;
  const dir = env.PGLITE_DIR ?? resolve('.data/pglite', app);
  return dir === 'memory' ? undefined : dir;
}

/** Where `app` keeps its data, for the start-up summary: PostgreSQL's host and database (no credentials), or PGlite's folder. */
export function describeStorage(app: string, env?: Env): string {
  const config = loadDatabaseEnv(env);
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    return `PostgreSQL at ${url.host}${url.pathname}`;
  }
  const dir = pgliteDir(config, app);
  return dir === undefined ? 'PGlite in memory (nothing kept)' : `PGlite in ${dir}`;
}

export async function openDatabase(env: DatabaseEnv, app: string): Promise<Database> {
  if (env.DATABASE_URL) return new PostgresDatabase(env.DATABASE_URL, env.DATABASE_POOL_MAX);
  return PgliteDatabase.open(pgliteDir(env, app));
}

/**
 * The database config of `app`, checked before anything starts: every variable, and that its
 * PGlite folder is not held by another process (opening it takes the folder for good).
 */
export function checkDatabaseConfig(app: string, env?: Env): DatabaseEnv {
  const config = loadDatabaseEnv(env);
  const dir = pgliteDir(config, app);
  if (dir !== undefined) checkPgliteDir(dir);
  return config;
}

@Injectable()
class DatabaseLifecycle implements HealthCheck, OnModuleInit, OnApplicationShutdown {
  readonly name = 'database';

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly registry: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async check(): Promise<HealthCheckResult> {
    await this.db.query('SELECT 1');
    return { status: 'up', kind: this.db.kind };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

let migrationRunners = 0;

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_ENV, useFactory: () => options.env ?? loadDatabaseEnv() },
        {
          provide: DATABASE,
          inject: [DATABASE_ENV],
          useFactory: (env: DatabaseEnv) => openDatabase(env, options.app),
        },
        DatabaseLifecycle,
        RetentionSchedule,
      ],
      exports: [DATABASE, RetentionSchedule],
    };
  }

  /**
   * A feature's schema and migrations, applied during app init (before any handler or relay runs),
   * and the retention of its tables that grow with every event.
   */
  static forFeature(schema: SchemaMigrations): DynamicModule {
    @Injectable()
    class SchemaMigrator implements OnModuleInit {
      private readonly logger = new Logger(`migrations:${schema.schema}`);
      constructor(
        @Inject(DATABASE) private readonly db: Database,
        private readonly retention: RetentionSchedule,
      ) {}

      async onModuleInit(): Promise<void> {
        const applied = await migrate(this.db, schema);
        if (applied.length > 0) this.logger.log(`applied ${applied.join(', ')}`);
        for (const rule of schema.retention ?? []) {
          this.retention.register({ ...rule, table: `${schema.schema}.${rule.table}` });
        }
      }
    }
    Object.defineProperty(SchemaMigrator, 'name', { value: `SchemaMigrator_${schema.schema}_${++migrationRunners}` });
    return { module: class DatabaseFeatureModule {}, providers: [SchemaMigrator] };
  }
}
