import { redeliverableForMs, topicSpec, Topics } from '@nurt/contracts';
import { APPLIED_EVENTS_TABLE_SQL, appliedEventsKeptFor, type SchemaMigrations } from '@nurt/database';

export const RECOMMENDATION_SCHEMA = 'recommendation';

export const recommendationMigrations: SchemaMigrations = {
  schema: RECOMMENDATION_SCHEMA,
  retention: [appliedEventsKeptFor(redeliverableForMs(topicSpec(Topics.Transactions)))],
  migrations: [
    {
      version: 1,
      name: 'customer profiles, store visits and the local view of the customers topic',
      sql: `${APPLIED_EVENTS_TABLE_SQL}
-- The latest state per customer from the compacted customers topic (a tombstone deletes the row).
CREATE TABLE customers (
  customer_id text PRIMARY KEY,
  name text NOT NULL,
  city text NOT NULL,
  segment text NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE profiles (
  customer_id text PRIMARY KEY,
  tx_count bigint NOT NULL,
  amount_total numeric(20, 2) NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL
);
CREATE TABLE customer_stores (
  customer_id text NOT NULL,
  store text NOT NULL,
  tx_count bigint NOT NULL,
  amount_total numeric(20, 2) NOT NULL,
  PRIMARY KEY (customer_id, store)
);
CREATE INDEX customer_stores_by_store ON customer_stores (store);
CREATE TABLE customer_types (
  customer_id text NOT NULL,
  type text NOT NULL,
  tx_count bigint NOT NULL,
  amount_total numeric(20, 2) NOT NULL,
  PRIMARY KEY (customer_id, type)
);`,
    },
  ],
};
