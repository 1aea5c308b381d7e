import { Inject, Injectable } from '@nestjs/common';
import type { OutboxRelay } from '@nurt/kafka';
import { CustomerNotFoundError, type Customer, type CustomerFilter, type CustomerInput } from './customer.js';
import { CustomerCache } from './customers.cache.js';
import { CUSTOMERS_OUTBOX } from './customers.constants.js';
import { CustomersRepository } from './customers.repository.js';

export interface CustomerPage {
  readonly items: Customer[];
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

/** Customer data, each change published as an event through the outbox. */
@Injectable()
export class CustomersService {
  constructor(
    private readonly repository: CustomersRepository,
    @Inject(CUSTOMERS_OUTBOX) private readonly relay: OutboxRelay,
    private readonly cache: CustomerCache,
  ) {}

  async get(id: number): Promise<Customer> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const token = this.cache.token();
    const customer = await this.repository.findById(id);
    if (!customer) throw new CustomerNotFoundError(id);
    this.cache.remember(customer, token);
    return customer;
  }

  async list(filter: CustomerFilter): Promise<CustomerPage> {
    // One row more than asked tells whether another page exists without a count query.
    const rows = await this.repository.list({ ...filter, limit: filter.limit + 1 });
    const items = rows.slice(0, filter.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > filter.limit && last ? String(last.id) : null };
  }

  async create(input: CustomerInput): Promise<Customer> {
    const customer = await this.repository.create(input);
    this.relay.kick();
    return customer;
  }

  async replace(id: number, input: CustomerInput): Promise<Customer> {
    const customer = await this.written(id, () => this.repository.replace(id, input));
    if (!customer) throw new CustomerNotFoundError(id);
    this.relay.kick();
    return customer;
  }

  async delete(id: number): Promise<void> {
    if (!(await this.written(id, () => this.repository.delete(id)))) throw new CustomerNotFoundError(id);
    this.relay.kick();
  }

  /** Evicts the customer once the write is over, whatever its outcome (a failed commit may still have landed). */
  private async written<T>(id: number, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.cache.invalidate(id);
    }
  }

  /** True when this database has never held a customer (deleting them all does not count). */
  async isNew(): Promise<boolean> {
    return !(await this.repository.everHadCustomers());
  }
}
