import { redeliverableForMs, topicSpec, Topics } from '@nurt/contracts';
import { APPLIED_EVENTS_TABLE_SQL, appliedEventsKeptFor, type SchemaMigrations } from '@nurt/database';

export const REPORTING_SCHEMA = 'reporting';

export const reportingMigrations: SchemaMigrations = {
  schema: REPORTING_SCHEMA,
  retention: [appliedEventsKeptFor(redeliverableForMs(topicSpec(Topics.Transactions)))],
  migrations: [
    {
      version: 1,
      name: 'sales statistics per store, type and tumbling window',
      sql: `${APPLIED_EVENTS_TABLE_SQL}
CREATE TABLE sales_stats (
  store text NOT NULL,
  type text NOT NULL,
  -- 'total' rows have window_start = epoch; 'minute' and 'hour' rows start at their window.
  window_kind text NOT NULL CHECK (window_kind IN ('total', 'minute', 'hour')),
  window_start timestamptz NOT NULL,
  count bigint NOT NULL,
  sum numeric(20, 2) NOT NULL,
  min numeric(14, 2) NOT NULL,
  max numeric(14, 2) NOT NULL,
  PRIMARY KEY (window_kind, store, type, window_start)
);
CREATE INDEX sales_stats_by_store ON sales_stats (store, window_kind, window_start);`,
    },
  ],
};
