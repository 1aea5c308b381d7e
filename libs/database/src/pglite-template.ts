import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/**
 * A freshly initialised PGlite cluster (what initdb leaves, before any nurt table), kept as a tar
 * file so that a new embedded database loads it (~1.4 s here) instead of running initdb in WASM
 * (~4 s of CPU on this 2-core machine) every time: every in-memory database (the tests open dozens),
 * and the first start on a new PGLITE_DIR. This is PGlite's own mechanism (`loadDataDir` with a
 * `dumpDataDir` tarball, as its `clone()` does). The first new database of a PGlite version runs
 * initdb as always and leaves its cluster here before anything is created in it.
 *
 * The file is keyed by PGlite's version and written whole or not at all (a temporary file renamed),
 * so processes starting together can all write it. A file that cannot be read or loaded is deleted
 * and the database initialised as before: the template only ever saves time.
 */
export const PGLITE_TEMPLATE_DIR = join(tmpdir(), 'nurt-pglite-template');

let version: string | undefined;

/** PGlite's version, read once per process (every new database asks for the template's name). */
function pgliteVersion(): string {
  version ??= readPgliteVersion();
  return version;
}

function readPgliteVersion(): string {
  // The package does not export its package.json; it sits above the entry point's dist/ folder.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

export function templateFile(dir = PGLITE_TEMPLATE_DIR): string {
  return join(dir, `pglite-${pgliteVersion()}.tar`);
}

/** The template's tarball, or null when there is none (or it cannot be read). */
export function readTemplate(dir = PGLITE_TEMPLATE_DIR): Blob | null {
  const file = templateFile(dir);
  if (!existsSync(file)) return null;
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    return null;
  }
}

/** Keeps `db`'s cluster as the template; call on a database just initialised, before any migration. */
export async function saveTemplate(db: PGlite, dir = PGLITE_TEMPLATE_DIR): Promise<void> {
  const file = templateFile(dir);
  const partial = `${file}.${process.pid}.partial`;
  try {
    const tarball = await db.dumpDataDir('none');
    mkdirSync(dir, { recursive: true });
    writeFileSync(partial, Buffer.from(await tarball.arrayBuffer()));
    renameSync(partial, file);
  } catch {
    // a read-only temporary folder: every new database pays initdb, nothing worse
    rmSync(partial, { force: true });
  }
}

/** Drops a template that failed to load, so that the next new database makes a good one. */
export function discardTemplate(dir = PGLITE_TEMPLATE_DIR): void {
  rmSync(templateFile(dir), { force: true });
}
