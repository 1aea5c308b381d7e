import { Module, type DynamicModule } from '@nestjs/common';
import { DATABASE, DatabaseModule, type Database } from '@nurt/database';
import { KafkaProducer, OutboxRelay } from '@nurt/kafka';
import { METRICS_REGISTRY } from '@nurt/observability';
import type { Registry } from 'prom-client';
import { CustomerCache } from './customers.cache.js';
import { loadCustomersEnv, type CustomersEnv } from './customers.config.js';
import { CUSTOMERS_ENV, CUSTOMERS_OUTBOX } from './customers.constants.js';
import { CustomersController } from './customers.controller.js';
import { customersMigrations } from './customers.migrations.js';
import { CustomersRepository } from './customers.repository.js';
import { CustomersSeeder } from './customers.seed.js';
import { CustomersService } from './customers.service.js';

export interface CustomersModuleOptions {
  /** Env to read instead of process.env (tests). */
  readonly env?: CustomersEnv;
}

/**
 * Customer data over REST, owned in the `customers` schema and published to the compacted
 * `customers` topic through an outbox. Needs KafkaModule and DatabaseModule roots in the app.
 */
@Module({})
export class CustomersModule {
  static forRoot(options: CustomersModuleOptions = {}): DynamicModule {
    return {
      module: CustomersModule,
      imports: [DatabaseModule.forFeature(customersMigrations)],
      controllers: [CustomersController],
      providers: [
        { provide: CUSTOMERS_ENV, useFactory: () => options.env ?? loadCustomersEnv() },
        {
          provide: CustomerCache,
          inject: [CUSTOMERS_ENV, DATABASE],
          useFactory: (env: CustomersEnv, db: Database) =>
            new CustomerCache({
              maxEntries: env.CUSTOMERS_CACHE_SIZE,
              ttlMs: env.CUSTOMERS_CACHE_TTL_MS ?? (db.kind === 'pglite' ? Infinity : 1000),
            }),
        },
        CustomersRepository,
        {
          // Publishes the outbox to the compacted `customers` topic, oldest first. A change sent twice
          // after a crash is harmless: consumers of a state topic keep the latest value per key.
          provide: CUSTOMERS_OUTBOX,
          inject: [CustomersRepository, KafkaProducer, CUSTOMERS_ENV, METRICS_REGISTRY],
          useFactory: (
            repository: CustomersRepository,
            producer: KafkaProducer,
            env: CustomersEnv,
            registry: Registry,
          ) =>
            new OutboxRelay(repository, producer, {
              name: 'customers',
              intervalMs: env.CUSTOMERS_OUTBOX_INTERVAL_MS,
              batch: env.CUSTOMERS_OUTBOX_BATCH,
              registry,
              ...(env.CUSTOMERS_OUTBOX_RELAY === 'off' ? { off: 'CUSTOMERS_OUTBOX_RELAY=off' } : {}),
            }),
        },
        CustomersService,
        CustomersSeeder,
      ],
      exports: [CustomersService],
    };
  }
}
