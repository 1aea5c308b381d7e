import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@nurt/config';

export const LOCK_FILE = 'nurt.pid';

/** Whether the process that wrote a lock is still running (on this machine; elsewhere we cannot tell). */
function holderAlive(pid: number, host: string): boolean {
  if (host !== hostname()) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dir: string, path: string, pid: number, host: string): ConfigError {
  return new ConfigError([
    `PGLITE_DIR: ${dir} is in use by process ${pid}${host === hostname() ? '' : ` on ${host}`}; two processes ` +
      'on one embedded database lose data. Give this process its own folder (PGLITE_DIR=<dir>), or run every ' +
      `instance on one PostgreSQL (DATABASE_URL=postgres://…). If no such process runs, delete ${path}.`,
  ]);
}

/** The live process holding the folder, if any. */
function holder(path: string): { pid: number; host: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const [pidText = '', host = ''] = text.split('\n');
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 && holderAlive(pid, host) ? { pid, host } : undefined;
}

/** Refuses, with one line, a folder another live process holds (checked with the config, before anything starts). */
export function checkPgliteDir(dir: string): void {
  const path = join(dir, LOCK_FILE);
  const held = holder(path);
  if (held) throw inUse(dir, path, held.pid, held.host);
}

/**
 * Takes a PGlite folder for this process, or refuses with one line saying who holds it and what to
 * do. PGlite is PostgreSQL in one process: two processes on one folder each write pages the other
 * does not know about, and the data is lost (a second reporting instance once lost 969 applied
 * transactions that way). Like PostgreSQL's postmaster.pid, a lock left by a process that is no
 * longer running is taken over. Returns the release function.
 */
export function lockPgliteDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n${hostname()}\n${new Date().toISOString()}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').split('\n')[0] === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const held = holder(path);
    if (held) throw inUse(dir, path, held.pid, held.host);
    unlinkSync(path);
  }
}
