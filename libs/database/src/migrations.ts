import type { Database } from './database.js';
import type { RetentionRule } from './retention.js';

export interface Migration {
  /** 1, 2, 3 … in order; applied once each, never edited after release. */
  readonly version: number;
  readonly name: string;
  /** Runs with search_path set to the owning schema, inside one transaction with its bookkeeping row. */
  readonly sql: string;
}

export interface SchemaMigrations {
  /** The schema a feature owns; no other feature reads or writes it. */
  readonly schema: string;
  readonly migrations: readonly Migration[];
  /** Tables of the schema pruned by age on a schedule (`table` without the schema). */
  readonly retention?: readonly RetentionRule[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A stable 32-bit key per schema, so concurrent starts of one service take turns and other services do not wait. */
function lockKey(schema: string): number {
  let h = 0;
  for (const ch of `nurt.migrations.${schema}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/** Applies the schema's pending migrations in order; returns the versions applied now. */
export async function migrate(db: Database, { schema, migrations }: SchemaMigrations): Promise<number[]> {
  if (!IDENTIFIER.test(schema)) throw new Error(`Invalid schema name ${JSON.stringify(schema)}`);
  const versions = migrations.map((m) => m.version);
  if (versions.some((v, i) => v !== i + 1)) {
    throw new Error(`Migrations of ${schema} must be numbered 1..n without gaps, got ${versions.join(', ')}`);
  }
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [lockKey(schema)]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const rows = await tx.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`);
    const applied = new Set(rows.map((r) => Number(r.version)));
    const pending = migrations.filter((m) => !applied.has(m.version));
    for (const m of pending) {
      await tx.query(`SET LOCAL search_path TO ${schema}, public`);
      await tx.exec(m.sql);
      await tx.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    }
    return pending.map((m) => m.version);
  });
}
