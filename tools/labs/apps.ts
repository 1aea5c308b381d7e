// What the labs that run nurt's own apps share (monolith-vs-microservices, rest, model-serving):
// the built apps (dist/, built if stale, copied to a private folder so that a rebuild elsewhere
// cannot pull them away mid-run), each started as a process group of its own on a free loopback
// port, with its own PGlite folder and consumer-group suffix, stopped (the whole group) when the
// lab ends, fails or is interrupted; readiness, memory and CPU from /proc; HTTP calls printed as one
// request line and one response line.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { TOPIC_SPECS } from '@nurt/contracts';
import { loadKafkaEnv, TopicBootstrap } from '@nurt/kafka';
import { freePort } from '../../test/support/net.js';
export { readyAfter, rssMiB } from '../../test/support/process.js';
import { repoRoot } from '../cli.js';
import { sleep, type LabScope } from './kit.js';

/** What a lab that runs apps leaves behind: nothing. The test checks each of these is gone. */
export interface AppsCleaned {
  /** Every process it started (each the leader of its own process group). */
  readonly pids: readonly number[];
  /** Its private folders (the copy of dist/, the PGlite folders). */
  readonly folders: readonly string[];
  /** The consumer groups its apps joined (deleted). */
  readonly groups: readonly string[];
  /** PostgreSQL databases it created (dropped). */
  readonly databases: readonly string[];
}

/** One lab run's private folder (removed on cleanup) and the copy of the built apps in it. */
export interface Workspace {
  readonly dir: string;
  readonly dist: string;
  readonly folders: string[];
  readonly pids: number[];
  /** Every process started in it (stopped together on cleanup). */
  readonly processes: AppProcess[];
  readonly databases: string[];
  /** A fresh folder inside the workspace, e.g. for one app's PGlite. */
  folder(name: string): string;
}

/**
 * Builds the apps if dist/ is older than the sources (tools/build-if-stale.mjs), then copies dist/
 * to a private folder, as bench:footprint does: `nest build` deletes dist/ first, and an app started
 * during someone else's build would not find its files.
 */
export async function openWorkspace(
  scope: LabScope,
  prefix: string,
  apps: readonly string[],
  log: (line: string) => void,
): Promise<Workspace> {
  const builder = (await import(pathToFileURL(join(repoRoot, 'tools/build-if-stale.mjs')).href)) as {
    isStale(app: string): boolean;
    buildIfStale(app: string): void;
  };
  const stale = apps.filter((app) => builder.isStale(app));
  if (stale.length > 0) {
    log(`   dist/ is older than the sources: building (nest build, about a minute) ...`);
    for (const app of stale) builder.buildIfStale(app);
  }
  const dir = mkdtempSync(join(tmpdir(), `nurt-${prefix}-`));
  const workspace: Workspace = {
    dir,
    dist: join(dir, 'dist'),
    folders: [dir],
    pids: [],
    processes: [],
    databases: [],
    folder(name) {
      const path = join(dir, name);
      mkdirSync(path, { recursive: true });
      return path;
    },
  };
  // One step for every process of the run, all stopped at once, then the folder removed.
  scope.defer(`processes and folder ${dir}`, async () => {
    await Promise.all(workspace.processes.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
    log(`cleanup: stopped ${workspace.pids.length} processes (pids ${workspace.pids.join(', ')}), removed ${dir}`);
  });
  for (let attempt = 1; ; attempt++) {
    try {
      cpSync(join(repoRoot, 'dist'), workspace.dist, { recursive: true });
    } catch {
      // dist/ changed under the copy (a build in progress): try again below.
    }
    if (apps.every((app) => existsSync(join(workspace.dist, 'apps', app, 'main.js')))) break;
    rmSync(workspace.dist, { recursive: true, force: true });
    if (attempt >= 12) throw new Error(`dist/ does not hold ${apps.join(', ')}: run npm run build`);
    log('   dist/ is incomplete (a build in progress?): waiting 5 s');
    await sleep(5000);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return workspace;
}

/** Creates the declared topics as an app's start-up would (a fresh broker has none yet). */
export async function ensureDeclaredTopics(scope: LabScope): Promise<void> {
  await new TopicBootstrap(scope.kafka, loadKafkaEnv()).ensure(TOPIC_SPECS);
}

/**
 * Commits the end of each topic as the position of `group` before any member joins, so that a lab's
 * fresh group starts with nothing to catch up on (not the shared topics' history); remembered for deletion.
 */
export async function startGroupAtEnd(scope: LabScope, group: string, topics: readonly string[]): Promise<void> {
  scope.group(group);
  for (const topic of topics) {
    const offsets = await scope.admin.fetchTopicOffsets(topic);
    await scope.admin.setOffsets({
      groupId: group,
      topic,
      partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })),
    });
  }
}

export interface AppProcess {
  /** What the lab calls it (the app's name, or e.g. "customers A"). */
  readonly label: string;
  readonly app: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** performance.now() just before spawn. */
  readonly spawnedAt: number;
  /** The last 20,000 characters of its stdout and stderr. */
  output(): string;
  running(): boolean;
  /** kill -9 of its process group: no shutdown, no goodbye to Kafka; resolves once it is gone. */
  crash(): Promise<void>;
  /** SIGTERM to its process group (a graceful shutdown), SIGKILL after 10 s; resolves once it is gone. */
  stop(): Promise<void>;
}

/** The variables every app of a lab gets: loopback, quiet, JSON logs, no shared folder or group. */
function appEnv(env: Record<string, string>, port: number): NodeJS.ProcessEnv {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    // Changes to customers stay in the lab's own database: nothing reaches the shared customers topic,
    // where a running `npm start` would read them.
    CUSTOMERS_OUTBOX_RELAY: 'off',
    ...env,
    PORT: String(port),
  };
  // The lab says which database and which services; a .env meant for `npm start` does not.
  for (const name of ['DATABASE_URL', 'NURT_SERVICES', 'NURT_APP']) if (!(name in env)) delete childEnv[name];
  return childEnv;
}

/**
 * Starts `node <workspace>/dist/apps/<app>/main.js` (working directory the repository: models/) as
 * the leader of a new process group, on a free port; stopped with the workspace's cleanup.
 */
export async function startApp(
  workspace: Workspace,
  app: string,
  env: Record<string, string> = {},
  label = app,
): Promise<AppProcess> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [join(workspace.dist, 'apps', app, 'main.js')], {
    cwd: repoRoot,
    env: appEnv(env, port),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a kill reaches whatever it started too, and a Ctrl-C in the terminal
    // reaches the lab only, which then stops it (kit.ts closes every open scope).
    detached: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${label}: could not start node`);
  workspace.pids.push(pid);
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  };
  const proc: AppProcess = {
    label,
    app,
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    spawnedAt,
    output: () => out,
    running,
    async crash() {
      signalGroup('SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) signalGroup('SIGTERM');
      const killer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      signalGroup('SIGKILL'); // anything of its group still there
    },
  };
  workspace.processes.push(proc);
  return proc;
}

/** Whether a process of this id exists (for the tests: every started process is gone afterwards). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One HTTP exchange as the labs print and return it; status 0: no answer at all (nobody listening). */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly statusText: string;
  readonly contentType: string;
  readonly location: string | null;
  /** The body parsed as JSON when it is JSON, else its text ('' for none). */
  readonly body: unknown;
  /** Why there was no answer (status 0). */
  readonly error?: string;
}

const shorten = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Sends one request to `base` and prints it as two lines: `→ METHOD path body` and
 * `← status text [location] body`, the bodies cut at `width` characters.
 */
export async function call(
  log: (line: string) => void,
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; via?: string; width?: number; timeoutMs?: number } = {},
): Promise<Exchange> {
  const width = options.width ?? 140;
  const sent = options.body === undefined ? '' : ` ${JSON.stringify(options.body)}`;
  log(`   → ${method} ${path}${shorten(sent, width)}${options.via ? `   (${options.via})` : ''}`);
  try {
    const res = await fetch(base + path, {
      method,
      headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    let body: unknown = text;
    if (contentType.includes('json') && text) body = JSON.parse(text) as unknown;
    const location = res.headers.get('location');
    const shown = contentType.includes('json') ? text : `${contentType}, ${text.length} bytes`;
    log(
      `   ← ${res.status} ${res.statusText}${location ? `  Location: ${location}` : ''}${text ? `  ${shorten(shown, width)}` : ''}`,
    );
    return { method, path, status: res.status, statusText: res.statusText, contentType, location, body };
  } catch (err: unknown) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const error = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    log(`   ← no answer: ${error}`);
    return { method, path, status: 0, statusText: '', contentType: '', location: null, body: '', error };
  }
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const mib = (n: number): string => `${n.toFixed(0)} MiB`;
