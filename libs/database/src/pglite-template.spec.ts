import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteDatabase } from './pglite.database.js';
import { freshClusterTarball, templateFile } from './pglite-template.js';

// Real PGlite throughout: the template is only worth having if what loads from it is a working,
// empty cluster, and a broken template must cost nothing but time.
describe('the PGlite template (an initialised cluster loaded instead of initdb)', () => {
  let scratch: string;
  beforeAll(() => (scratch = mkdtempSync(join(tmpdir(), 'nurt-pglite-template-spec-'))));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is made once, keyed by the PGlite version, and loads as an empty working cluster', async () => {
    const dir = join(scratch, 'templates');
    const first = await freshClusterTarball(dir);
    const file = templateFile(dir);
    expect(file).toMatch(/pglite-\d+\.\d+\.\d+\.tar$/);
    const madeAt = statSync(file).mtimeMs;
    const again = await freshClusterTarball(dir);
    expect(statSync(file).mtimeMs).toBe(madeAt);
    expect(again.size).toBe(first.size);

    const db = await PGlite.create({ loadDataDir: again });
    try {
      const tables = await db.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
      expect(tables.rows).toEqual([{ n: 0 }]);
      await db.exec('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)');
      expect((await db.query('SELECT sum(id)::int AS s FROM t')).rows).toEqual([{ s: 3 }]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('gives a new folder a cluster that keeps its data across restarts', async () => {
    const folder = join(scratch, 'data');
    const first = await PgliteDatabase.open(folder);
    await first.exec('CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$survives$$)');
    await first.close();
    expect(existsSync(join(folder, 'PG_VERSION'))).toBe(true);
    const second = await PgliteDatabase.open(folder);
    try {
      expect(await second.query('SELECT v FROM kept')).toEqual([{ v: 'survives' }]);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('falls back to initdb when the template is not a cluster, and drops the bad file', async () => {
    const file = templateFile();
    const garbage = Buffer.from('not a tar file at all');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, garbage);
    const db = await PgliteDatabase.open();
    try {
      expect(await db.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
    } finally {
      await db.close();
    }
    // Dropped (or already replaced by a good one from another process starting meanwhile).
    expect(existsSync(file) && readFileSync(file).equals(garbage)).toBe(false);
  }, 60_000);
});
