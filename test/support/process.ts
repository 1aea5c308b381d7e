import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from './wait.js';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface AppProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited(): Promise<number | null>;
}

export interface ScriptProcess extends Omit<AppProcess, 'url'> {
  /**
   * Launchers only (`group: true`): SIGKILLs the script and every process it started, so that a
   * failed test leaves no orphan holding the broker's groups, a port, or Jest's output pipes.
   */
  killGroup(): void;
}

/**
 * Runs `node <script>` from the repository root with exactly `env`, collecting its output. With
 * `group`, the script leads a process group of its own (a launcher such as tools/start.mjs).
 */
export function startScript(script: string, env: NodeJS.ProcessEnv, options: { group?: boolean } = {}): ScriptProcess {
  const child = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    child,
    output: () => out,
    exited: () => exit,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
    killGroup() {
      if (options.group !== true || child.pid === undefined) throw new Error('killGroup needs { group: true }');
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    },
  };
}

/** Runs a built app (`node dist/apps/<app>/main.js`) as a user would, on the given port. */
export function startBuiltApp(app: string, port: number, env: Record<string, string> = {}): AppProcess {
  const script = startScript(resolve(repoRoot, 'dist/apps', app, 'main.js'), {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // Apps started side by side must not share an embedded database folder, and their consumer
    // groups must not take partitions (and offsets) from the real groups on a shared broker.
    PGLITE_DIR: 'memory',
    KAFKA_GROUP_SUFFIX: '-e2e',
    ...env,
  });
  return { ...script, url: `http://127.0.0.1:${port}` };
}

/**
 * Waits until GET `url` answers with `status` and returns that response's body, so that a test
 * checks the very answer it waited for (health can change between two requests).
 */
export async function waitForHttp(url: string, status = 200, timeoutMs = 60_000): Promise<string> {
  let body = '';
  await waitFor(
    `${url} to answer ${status}`,
    async () => {
      try {
        const res = await fetch(url);
        if (res.status !== status) return false;
        body = await res.text();
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
  );
  return body;
}

/** What readyAfter needs of a started app (the labs' and the footprint bench's processes). */
export interface SpawnedApp {
  /** The app's name; `label` (e.g. "customers A") names it in errors where there is one. */
  readonly app: string;
  readonly label?: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** performance.now() just before spawn. */
  readonly spawnedAt: number;
  output(): string;
}

/** Milliseconds from spawn to the first 200 on /health/ready (polled every 100 ms). */
export async function readyAfter(proc: SpawnedApp, timeoutMs = 120_000): Promise<number> {
  const name = proc.label ?? proc.app;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${name} exited during start-up:\n${proc.output()}`);
    }
    const ok = await fetch(`${proc.url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status === 200;
      },
      () => false,
    );
    if (ok) return performance.now() - proc.spawnedAt;
    if (performance.now() - proc.spawnedAt > timeoutMs) {
      throw new Error(`${name} not ready within ${timeoutMs / 1000} s:\n${proc.output()}`);
    }
    await sleep(100);
  }
}

/** Resident memory (VmRSS) of a process now, in MiB, from /proc (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) / 1024;
}
