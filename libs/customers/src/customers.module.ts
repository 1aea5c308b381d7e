import { Module, type DynamicModule } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { CustomerOutboxRelay } from './customer-outbox.relay.js';
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
        CustomersRepository,
        CustomerOutboxRelay,
        CustomersService,
        CustomersSeeder,
      ],
      exports: [CustomersService],
    };
  }
}
