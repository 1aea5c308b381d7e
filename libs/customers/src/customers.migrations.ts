import type { SchemaMigrations } from '@nurt/database';

export const CUSTOMERS_SCHEMA = 'customers';

export const customersMigrations: SchemaMigrations = {
  schema: CUSTOMERS_SCHEMA,
  migrations: [
    {
      version: 1,
      name: 'customers and outbox',
      sql: `
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  email text NOT NULL CHECK (email = lower(email)),
  city text NOT NULL CHECK (char_length(city) BETWEEN 1 AND 100),
  segment text NOT NULL CHECK (segment IN ('premium', 'standard', 'basic')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customers_email_key ON customers (email);
-- Keyset pages filtered by segment and/or city walk these in id order.
CREATE INDEX customers_segment_id ON customers (segment, id);
CREATE INDEX customers_city_id ON customers (lower(city), id);

-- Written in the transaction of each change, published by the relay in id order: a crash between
-- commit and send leaves the row here, and the next relay run sends it.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL,
  event_type text NOT NULL CHECK (event_type IN ('created', 'updated', 'deleted')),
  -- The customer's new state; NULL for a delete (published as a tombstone).
  payload jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;
`,
    },
  ],
};
