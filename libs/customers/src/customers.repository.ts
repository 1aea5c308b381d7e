import { Inject, Injectable } from '@nestjs/common';
import {
  CUSTOMER_EVENT_TYPE_HEADER,
  Topics,
  type CustomerEvent,
  type CustomerEventType,
  type CustomerSegment,
} from '@nurt/contracts';
import { DATABASE, PgErrorCodes, pgErrorCode, type Database, type Queryable } from '@nurt/database';
import type { OutboxSource, ProduceRecord } from '@nurt/kafka';
import { EmailTakenError, type Customer, type CustomerFilter, type CustomerInput } from './customer.js';
import type { CustomersEnv } from './customers.config.js';
import { CUSTOMERS_ENV } from './customers.constants.js';

interface CustomerRow {
  id: string;
  name: string;
  email: string;
  city: string;
  segment: CustomerSegment;
  created_at: Date | string;
  updated_at: Date | string;
}

interface OutboxRow {
  id: string;
  customer_id: string;
  event_type: CustomerEventType;
  payload: Customer | null;
}

const COLUMNS = 'id, name, email, city, segment, created_at, updated_at';

/** Only one relay publishes at a time per database, so that the outbox goes out in order. */
const OUTBOX_LOCK = 0x6e_75_72_74; // "nurt"

/** The value on the topic, fields in contract order (jsonb does not keep the order they were written in). */
function toEvent(c: Customer): CustomerEvent {
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    city: c.city,
    segment: c.segment,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

function toCustomer(row: CustomerRow): Customer {
  return {
    id: Number(row.id),
    name: row.name,
    email: row.email,
    city: row.city,
    segment: row.segment,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Every SQL statement of the customers service: the customers table and its outbox. */
@Injectable()
export class CustomersRepository implements OutboxSource {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CUSTOMERS_ENV) private readonly env: CustomersEnv,
  ) {}

  async findById(id: number): Promise<Customer | null> {
    const [row] = await this.db.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers.customers WHERE id = $1`, [id]);
    return row ? toCustomer(row) : null;
  }

  async list(filter: CustomerFilter): Promise<Customer[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.segment !== undefined) {
      params.push(filter.segment);
      where.push(`segment = $${params.length}`);
    }
    if (filter.city !== undefined) {
      params.push(filter.city);
      where.push(`lower(city) = lower($${params.length})`);
    }
    if (filter.afterId !== undefined) {
      params.push(filter.afterId);
      where.push(`id > $${params.length}`);
    }
    params.push(filter.limit);
    const rows = await this.db.query<CustomerRow>(
      `SELECT ${COLUMNS} FROM customers.customers
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toCustomer);
  }

  /** Inserts the customer and its `created` event in one transaction. */
  async create(input: CustomerInput): Promise<Customer> {
    return this.db.transaction(async (tx) => {
      const [row] = await this.uniqueEmail(input.email, () =>
        tx.query<CustomerRow>(
          `INSERT INTO customers.customers (name, email, city, segment) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
          [input.name, input.email, input.city, input.segment],
        ),
      );
      if (!row) throw new Error('INSERT returned no row');
      const customer = toCustomer(row);
      await this.enqueue(tx, customer.id, 'created', customer);
      return customer;
    });
  }

  /** Replaces every field and records the `updated` event; null when there is no such customer. */
  async replace(id: number, input: CustomerInput): Promise<Customer | null> {
    return this.db.transaction(async (tx) => {
      // The row lock taken here orders concurrent changes of one customer, and so their outbox rows.
      // now() is the transaction's start, which can be earlier than that of a change that got the
      // lock first; the clock read after the lock, never below the stored value, keeps updatedAt
      // rising in the order the changes are published.
      const [row] = await this.uniqueEmail(input.email, () =>
        tx.query<CustomerRow>(
          `UPDATE customers.customers
           SET name = $2, email = $3, city = $4, segment = $5, updated_at = greatest(clock_timestamp(), updated_at)
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, input.name, input.email, input.city, input.segment],
        ),
      );
      if (!row) return null;
      const customer = toCustomer(row);
      await this.enqueue(tx, id, 'updated', customer);
      return customer;
    });
  }

  /** Deletes the customer and records a tombstone; false when there was no such customer. */
  async delete(id: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>('DELETE FROM customers.customers WHERE id = $1 RETURNING id', [id]);
      if (rows.length === 0) return false;
      await this.enqueue(tx, id, 'deleted', null);
      return true;
    });
  }

  /** True once any customer was ever inserted here (deleting them all does not make the database new). */
  async everHadCustomers(): Promise<boolean> {
    const [row] = await this.db.query<{ is_called: boolean }>('SELECT is_called FROM customers.customers_id_seq');
    return row?.is_called ?? false;
  }

  /** The outbox as the relay reads it: each change keyed by customer id, a tombstone for a delete. */
  async publishPending(
    limit: number,
    publish: (records: readonly ProduceRecord<unknown>[]) => Promise<void>,
  ): Promise<number | null> {
    // PGlite belongs to this one process, and a transaction would stop every other query for as
    // long as Kafka takes to answer (seconds when it is down): no lock is needed, so none is held.
    if (this.db.kind === 'pglite') return this.publishBatch(this.db, limit, publish);
    // PostgreSQL may be shared by several instances: the lock lets one relay publish at a time, or
    // a slow relay could send an older state after a faster one sent the newer.
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
        OUTBOX_LOCK,
      ]);
      return lock?.locked ? this.publishBatch(tx, limit, publish) : null;
    });
  }

  private async publishBatch(
    q: Queryable,
    limit: number,
    publish: (records: readonly ProduceRecord<unknown>[]) => Promise<void>,
  ): Promise<number> {
    const rows = await q.query<OutboxRow>(
      `SELECT id, customer_id, event_type, payload FROM customers.outbox
       WHERE sent_at IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    if (rows.length === 0) return 0;
    await publish(
      rows.map((r) => ({
        topic: Topics.Customers,
        key: String(r.customer_id),
        value: r.payload === null ? null : toEvent(r.payload),
        headers: { [CUSTOMER_EVENT_TYPE_HEADER]: r.event_type },
      })),
    );
    await q.query('UPDATE customers.outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    return rows.length;
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM customers.outbox WHERE sent_at IS NULL',
    );
    return Number(row?.n ?? 0);
  }

  /** Deletes published rows older than CUSTOMERS_OUTBOX_RETENTION_HOURS. */
  async prunePublished(): Promise<void> {
    await this.db.query(`DELETE FROM customers.outbox WHERE sent_at < now() - make_interval(hours => $1)`, [
      this.env.CUSTOMERS_OUTBOX_RETENTION_HOURS,
    ]);
  }

  private async enqueue(tx: Queryable, customerId: number, type: CustomerEventType, customer: Customer | null) {
    await tx.query('INSERT INTO customers.outbox (customer_id, event_type, payload) VALUES ($1, $2, $3::jsonb)', [
      customerId,
      type,
      customer === null ? null : JSON.stringify(customer),
    ]);
  }

  private async uniqueEmail<T>(email: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err: unknown) {
      if (pgErrorCode(err) === PgErrorCodes.UniqueViolation) throw new EmailTakenError(email);
      throw err;
    }
  }
}
