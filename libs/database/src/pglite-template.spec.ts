import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PgliteDatabase } from './pglite.database.js';
import { readTemplate, templateFile } from './pglite-template.js';

// Real PGlite throughout, with a template folder of the spec's own (the shared one is left alone):
// the template is only worth having if what loads from it is a working, empty cluster, and a broken
// one must cost nothing but time.
describe('the PGlite template (an initialised cluster loaded instead of initdb)', () => {
  let scratch: string;
  let templates: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'nurt-pglite-template-spec-'));
    templates = join(scratch, 'templates');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is left by the first new database, before anything is created in it, and reused after', async () => {
    const file = templateFile(templates);
    expect(file).toMatch(/pglite-\d+\.\d+\.\d+\.tar$/);
    expect(existsSync(file)).toBe(false);
    const first = await PgliteDatabase.open(undefined, templates);
    await first.exec('CREATE TABLE only_in_the_first (id int)');
    await first.close();
    const madeAt = statSync(file).mtimeMs;

    const second = await PgliteDatabase.open(undefined, templates);
    try {
      expect(statSync(file).mtimeMs).toBe(madeAt);
      expect(await second.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).toEqual([]);
      await second.exec('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)');
      expect(await second.query('SELECT sum(id)::int AS s FROM t')).toEqual([{ s: 3 }]);
    } finally {
      await second.close();
    }
    expect(readTemplate(templates)?.size).toBe(statSync(file).size);
  }, 60_000);

  it('gives a new folder a cluster that keeps its data across restarts', async () => {
    const folder = join(scratch, 'data');
    const first = await PgliteDatabase.open(folder, templates);
    await first.exec('CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$survives$$)');
    await first.close();
    expect(existsSync(join(folder, 'PG_VERSION'))).toBe(true);
    const second = await PgliteDatabase.open(folder, templates);
    try {
      expect(await second.query('SELECT v FROM kept')).toEqual([{ v: 'survives' }]);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('falls back to initdb when the template is not a cluster, and drops the bad file', async () => {
    const file = templateFile(templates);
    const garbage = Buffer.from('not a tar file at all');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, garbage);
    const folder = join(scratch, 'after-a-bad-template');
    const db = await PgliteDatabase.open(folder, templates);
    try {
      expect(await db.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
    } finally {
      await db.close();
    }
    // Dropped, so that the next new database leaves a good one (as the first test shows).
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(folder, 'PG_VERSION'))).toBe(true);
  }, 60_000);
});
