import type { Database, Queryable } from './database.js';

/** Where Kafka delivered an event from. */
export interface Delivered {
  readonly partition: number;
  /** 64-bit, as a decimal string. */
  readonly offset: string;
}

/** An event as a consumer group received it: its value, and where Kafka delivered it from. */
export interface DeliveredEvent<T> extends Delivered {
  readonly value: T;
}

/**
 * The SQL of the table `applyOnce` claims ids in; include it in the feature's first migration.
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
 * Claims the ids of `records` (the event's own id, `idOf`: Kafka may deliver one event at several
 * offsets) in `<schema>.applied_events` with one statement, inside the caller's transaction, and
 * returns the records whose id had not been claimed before, in their order (the first of any id
 * repeated within the batch).
 */
export async function claimNew<T extends Delivered>(
  q: Queryable,
  schema: string,
  records: readonly T[],
  idOf: (record: T) => string,
): Promise<T[]> {
  const first = new Map<string, T>();
  for (const r of records) {
    const id = idOf(r);
    if (!first.has(id)) first.set(id, r);
  }
  if (first.size === 0) return [];
  const ids = [...first.keys()];
  const unique = [...first.values()];
  const rows = await q.query<{ id: string }>(
    `INSERT INTO ${schema}.applied_events (id, partition, "offset")
     SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[])
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [ids, unique.map((r) => r.partition), unique.map((r) => r.offset)],
  );
  const fresh = new Set(rows.map((r) => r.id));
  return unique.filter((_, i) => fresh.has(ids[i]));
}

/**
 * Applies a batch of events once: one database transaction claims every id of the batch (one
 * statement) and runs `work` on the events not seen before; both commit or neither does.
 *
 * Two things make a consumer group effectively-once, and they guard against different failures:
 * - the offset commit, which the Kafka runtime makes only after this transaction committed,
 *   protects against a restart: the group resumes after what it applied, and what it applied but
 *   had not yet committed (a crash in between) comes again;
 * - the per-id claims protect against the same event reaching the group twice: that redelivery
 *   after a crash, a group reset to an earlier offset, and a transaction published twice (a client
 *   retrying after a 503, a producer retry, a dead letter replayed). Only the claims see those.
 *
 * Returns the events `work` was given (a batch with no new event does not call it).
 */
export async function applyOnce<T extends Delivered>(
  db: Database,
  schema: string,
  records: readonly T[],
  idOf: (record: T) => string,
  work: (q: Queryable, fresh: readonly T[]) => Promise<void>,
): Promise<T[]> {
  if (records.length === 0) return [];
  return db.transaction(async (q) => {
    const fresh = await claimNew(q, schema, records, idOf);
    if (fresh.length > 0) await work(q, fresh);
    return fresh;
  });
}

/** The retention of `applied_events` for `SchemaMigrations.retention`: an id matters while its event can still come again. */
export function appliedEventsKeptFor(keepMs: number): { table: string; column: string; keepMs: number } {
  return { table: 'applied_events', column: 'applied_at', keepMs };
}

/**
 * Rows sorted by the key they upsert. Two transactions writing overlapping rows (two partitions,
 * or two instances, on one PostgreSQL) then take their row locks in the same order, so one waits
 * for the other instead of both deadlocking and being aborted.
 */
export function inLockOrder<T>(rows: Iterable<T>, key: (row: T) => string): T[] {
  return [...rows]
    .map((row) => ({ row, k: key(row) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map(({ row }) => row);
}
