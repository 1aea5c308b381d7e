import { migrate, PgErrorCodes, pgErrorCode, PgliteDatabase, PostgresDatabase, type Database } from '@nurt/database';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';

const migrations = {
  schema: 'widgets',
  migrations: [
    {
      version: 1,
      name: 'create widgets',
      sql: `CREATE TABLE widgets (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, price numeric(12,2) NOT NULL);
            CREATE INDEX widgets_price ON widgets (price);`,
    },
    { version: 2, name: 'add colour', sql: `ALTER TABLE widgets ADD COLUMN colour text NOT NULL DEFAULT 'red'` },
  ],
};

describe.each([
  ['PostgreSQL', 'postgres'],
  ['PGlite', 'pglite'],
] as const)('libs/database on %s', (_label, kind) => {
  let scratch: ScratchDatabase | undefined;
  let db: Database;

  beforeAll(async () => {
    if (kind === 'postgres') {
      scratch = await createScratchDatabase();
      db = new PostgresDatabase(scratch.url, 4);
    } else {
      db = await PgliteDatabase.open();
    }
  });

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('applies migrations once, in order, in the feature schema', async () => {
    expect(await migrate(db, migrations)).toEqual([1, 2]);
    expect(await migrate(db, migrations)).toEqual([]);
    const cols = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'widgets' AND table_name = 'widgets' ORDER BY ordinal_position`,
    );
    expect(cols.map((c) => c.column_name)).toEqual(['id', 'name', 'price', 'colour']);
  });

  it('returns the same types from both engines (int8 and numeric as strings)', async () => {
    const [row] = await db.query<{ id: unknown; price: unknown }>(
      `INSERT INTO widgets.widgets (name, price) VALUES ($1, $2) RETURNING id, price`,
      ['cog', 12.5],
    );
    expect(row).toEqual({ id: '1', price: '12.50' });
  });

  it('rolls a failed transaction back and reports the SQLSTATE', async () => {
    const attempt = db.transaction(async (tx) => {
      await tx.query(`INSERT INTO widgets.widgets (name, price) VALUES ('gear', 1)`);
      await tx.query(`INSERT INTO widgets.widgets (name, price) VALUES ('cog', 2)`);
    });
    const failure: unknown = await attempt.then(
      () => null,
      (err: unknown) => err,
    );
    expect(pgErrorCode(failure)).toBe(PgErrorCodes.UniqueViolation);
    expect(await db.query(`SELECT name FROM widgets.widgets ORDER BY name`)).toEqual([{ name: 'cog' }]);
  });

  it('refuses migrations with gaps', async () => {
    await expect(
      migrate(db, { schema: 'other', migrations: [{ version: 2, name: 'x', sql: 'SELECT 1' }] }),
    ).rejects.toThrow(/1\.\.n/);
  });
});
