import type { Queryable } from './database.js';

export interface AppliedRecord {
  /** The event's own id (a transaction id): Kafka may deliver one event at several offsets. */
  readonly id: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * The SQL of the table `claimOnce` writes to; include it in the feature's first migration.
 * Keeping the applied ids beside the state they changed is what makes redelivery a no-op.
 */
export const APPLIED_EVENTS_TABLE_SQL = `
CREATE TABLE applied_events (
  id text PRIMARY KEY,
  -- The order the group applied events in: per key it must match the order they were produced.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`;

/**
 * Records that `record` is being applied, inside the caller's transaction. False means it was
 * applied before (a redelivery): the caller must change nothing. Because the claim commits or
 * rolls back with the state change, each event changes the state exactly once.
 */
export async function claimOnce(tx: Queryable, schema: string, record: AppliedRecord): Promise<boolean> {
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO ${schema}.applied_events (id, partition, "offset") VALUES ($1, $2, $3)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [record.id, record.partition, record.offset],
  );
  return rows.length > 0;
}
