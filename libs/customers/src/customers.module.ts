import { Module, type DynamicModule } from '@nestjs/common';
import { DATABASE, DatabaseModule, type Database } from '@nurt/database';
import { CustomerOutboxRelay } from './customer-outbox.relay.js';
import { CustomerCache } from './customers.cache.js';
import { loadCustomersEnv, type CustomersEnv } from './customers.config.js';
import { CUSTOMERS_ENV } from './customers.constants.js';
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
        CustomerOutboxRelay,
        CustomersService,
        CustomersSeeder,
      ],
      exports: [CustomersService],
    };
  }
}
