import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EmailTakenError, type CustomerInput } from './customer.js';
import type { CustomersEnv } from './customers.config.js';
import { CUSTOMERS_ENV } from './customers.constants.js';
import { CustomersService } from './customers.service.js';

/** The lecture's customers, in its order, so that GET /customers/1 is Anna. */
export const LECTURE_CUSTOMERS: readonly CustomerInput[] = [
  { name: 'Anna', email: 'anna@example.com', city: 'Warsaw', segment: 'premium' },
  { name: 'Piotr', email: 'piotr@example.com', city: 'Krakow', segment: 'standard' },
  { name: 'Kasia', email: 'kasia@example.com', city: 'Gdansk', segment: 'premium' },
];

/**
 * Seeds a database that has never held a customer (CUSTOMERS_SEED=true), through the service, so
 * the seed is published to the customers topic like any other change.
 */
@Injectable()
export class CustomersSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('CustomersSeeder');

  constructor(
    private readonly customers: CustomersService,
    @Inject(CUSTOMERS_ENV) private readonly env: CustomersEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.env.CUSTOMERS_SEED || !(await this.customers.isNew())) return;
    for (const input of LECTURE_CUSTOMERS) {
      try {
        await this.customers.create(input);
      } catch (err: unknown) {
        // Another instance on the same database seeded at the same moment.
        if (!(err instanceof EmailTakenError)) throw err;
      }
    }
    this.logger.log(`seeded ${LECTURE_CUSTOMERS.map((c) => c.name).join(', ')}`);
  }
}
