import { redeliverableForMs, topicSpec, Topics } from '@nurt/contracts';
import { APPLIED_EVENTS_TABLE_SQL, appliedEventsKeptFor, type SchemaMigrations } from '@nurt/database';

export const FRAUD_SCHEMA = 'fraud';

export const fraudMigrations: SchemaMigrations = {
  schema: FRAUD_SCHEMA,
  retention: [appliedEventsKeptFor(redeliverableForMs(topicSpec(Topics.Transactions)))],
  migrations: [
    {
      version: 1,
      name: 'customer history, running amount statistics and alerts',
      sql: `${APPLIED_EVENTS_TABLE_SQL}
-- Welford's running mean and sum of squared deviations of purchase/withdrawal amounts.
CREATE TABLE amount_stats (
  customer_id text PRIMARY KEY,
  n bigint NOT NULL,
  mean double precision NOT NULL,
  m2 double precision NOT NULL
);
CREATE TABLE customer_events (
  transaction_id text PRIMARY KEY,
  customer_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  store text NOT NULL,
  type text NOT NULL,
  amount numeric(14, 2) NOT NULL
);
CREATE INDEX customer_events_by_time ON customer_events (customer_id, occurred_at);
CREATE TABLE alerts (
  id text PRIMARY KEY,
  customer_id text NOT NULL,
  transaction_id text NOT NULL,
  rule text NOT NULL,
  score double precision NOT NULL,
  evidence jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT now(),
  -- Outbox: set once the alert is on the fraud-alerts topic.
  published_at timestamptz
);
CREATE INDEX alerts_by_customer ON alerts (customer_id, occurred_at DESC);
CREATE INDEX alerts_unpublished ON alerts (detected_at) WHERE published_at IS NULL;`,
    },
    {
      version: 2,
      name: 'judged in event time: pending transactions, partition progress; amounts from the history',
      sql: `DROP TABLE amount_stats;
ALTER TABLE customer_events
  ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN judged boolean NOT NULL DEFAULT false;
-- Version 1 judged every transaction as it was applied.
UPDATE customer_events SET judged = true;
CREATE INDEX customer_events_pending ON customer_events (occurred_at, transaction_id) WHERE NOT judged;
-- How far each partition of the topic has been read, in event time: a partition still being read
-- (behind its end) holds back the judging of what is later than it.
CREATE TABLE stream_progress (
  partition integer PRIMARY KEY,
  stream_time timestamptz NOT NULL,
  behind boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`,
    },
  ],
};
