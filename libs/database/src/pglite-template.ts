import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * A freshly initialised PGlite cluster (what initdb leaves, before any nurt table), kept as a tar
 * file so that a new embedded database loads it (~1.4 s here) instead of running initdb in WASM
 * (~4 s of CPU on this 2-core machine) every time: every in-memory database (the tests open dozens),
 * and the first start on a new PGLITE_DIR. This is PGlite's own mechanism (`loadDataDir` with a
 * `dumpDataDir` tarball, as its `clone()` does).
 *
 * The file is keyed by PGlite's version and written whole or not at all (a temporary file renamed),
 * so processes starting together can all write it. A file that cannot be read or loaded is deleted
 * and the database initialised as before: the template only ever saves time.
 */
export const PGLITE_TEMPLATE_DIR = join(tmpdir(), 'nurt-pglite-template');

function pgliteVersion(): string {
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

/** The template's tarball, made (initdb once, in memory) if there is none yet. */
export async function freshClusterTarball(dir = PGLITE_TEMPLATE_DIR): Promise<Blob> {
  const file = templateFile(dir);
  if (existsSync(file)) {
    try {
      return new Blob([readFileSync(file)]);
    } catch {
      // unreadable: made again below
    }
  }
  const db = await PGlite.create();
  let tarball: Blob;
  try {
    tarball = await db.dumpDataDir('none');
  } finally {
    await db.close();
  }
  try {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await tarball.arrayBuffer()));
    renameSync(partial, file);
  } catch {
    // a read-only temporary folder: every database pays initdb, nothing worse
  }
  return tarball;
}

/** Drops a template that failed to load, so that the next start makes a good one. */
export function discardTemplate(dir = PGLITE_TEMPLATE_DIR): void {
  rmSync(templateFile(dir), { force: true });
}
