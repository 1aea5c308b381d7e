import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types, type PGliteOptions } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.js';
import { LOCK_FILE, lockPgliteDir } from './pglite-lock.js';
import { discardTemplate, PGLITE_TEMPLATE_DIR, readTemplate, saveTemplate } from './pglite-template.js';

/**
 * Embedded PostgreSQL (WASM) for a laptop or a test: the same SQL as the server, in one process.
 * PGlite runs one statement at a time; a transaction holds it until it ends.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite';

  private constructor(
    private readonly db: PGlite,
    private readonly unlock: () => void,
  ) {}

  /**
   * `dir` = a folder to keep the data in (this process's alone while open), or undefined for memory
   * only. A new database starts from the template in `templates` (pglite-template.ts).
   */
  static async open(dir?: string, templates = PGLITE_TEMPLATE_DIR): Promise<PgliteDatabase> {
    let unlock = (): void => undefined;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      unlock = lockPgliteDir(dir);
    }
    try {
      // pg hands int8 back as a string (it may not fit a JS number); do the same here so repositories see one type.
      const options: PGliteOptions = { parsers: { [types.INT8]: (value: string) => value } };
      const db = isNew(dir) ? await createNew(dir, options, templates) : await PGlite.create(dir, options);
      return new PgliteDatabase(db, unlock);
    } catch (err: unknown) {
      unlock();
      throw err;
    }
  }

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(sql, params as unknown[])).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async transaction<R>(work: (tx: Queryable) => Promise<R>): Promise<R> {
    return this.db.transaction(async (t) =>
      work({
        query: async <T extends object>(sql: string, params: readonly unknown[] = []) =>
          (await t.query<T>(sql, params as unknown[])).rows,
        exec: async (sql: string) => {
          await t.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
    this.unlock();
  }
}

/** Memory only, or a folder holding nothing yet (but this process's lock): initdb would run. */
function isNew(dir: string | undefined): boolean {
  return dir === undefined || readdirSync(dir).every((name) => name === LOCK_FILE);
}

/**
 * A new database: loaded from the template, or initialised (initdb) and then kept as the template
 * where there is none. Should the template not load, it is dropped, the folder emptied again (it
 * held nothing before), and the database initialised as PGlite always does.
 */
async function createNew(dir: string | undefined, options: PGliteOptions, templates: string): Promise<PGlite> {
  const template = readTemplate(templates);
  if (template === null) {
    const db = await PGlite.create(dir, options);
    await saveTemplate(db, templates);
    return db;
  }
  try {
    return await PGlite.create(dir, { ...options, loadDataDir: template });
  } catch {
    discardTemplate(templates);
    if (dir !== undefined) {
      for (const name of readdirSync(dir)) {
        if (name !== LOCK_FILE) rmSync(join(dir, name), { recursive: true, force: true });
      }
    }
    return PGlite.create(dir, options);
  }
}
