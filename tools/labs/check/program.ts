// Runs a learner's program for `npm run lab:check` with the hook of its language, and collects what
// it printed and what the hook saw it do.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { repoRoot } from '../../cli.js';
import { sleep } from '../kit.js';

/** A mistake in how the checker was called (file, kind, language): one line, no stack trace. */
export class LabCheckUsageError extends Error {}

/** One thing the hook saw the program do: `send`, `flush`, `consumer`, `positioned`, … */
export interface HookEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

export type Language = 'python' | 'node';

const NODE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

const hookDir = resolve(repoRoot, 'tools/labs/check');

/** The program's absolute path and language, or a usage error naming what is wrong with it. */
export function programOf(file: string): { path: string; language: Language } {
  const path = resolve(file);
  if (!existsSync(path)) throw new LabCheckUsageError(`no such file: ${file}`);
  if (!statSync(path).isFile()) throw new LabCheckUsageError(`not a file: ${file}`);
  const ext = extname(path);
  if (ext === '.py') return { path, language: 'python' };
  if (NODE_EXTENSIONS.has(ext)) return { path, language: 'node' };
  throw new LabCheckUsageError(
    `cannot run ${file}: the checker runs Python (.py, kafka-python) and TypeScript or JavaScript (.ts, .js, .mjs; kafkajs)`,
  );
}

let python: string | undefined;

/**
 * The first of $PYTHON, python3 and /usr/bin/python3 that can `import kafka` (kafka-python): on
 * Debian only the system Python has it (python3-kafka), while a pyenv `python3` may come first on
 * PATH without it.
 */
export function pythonWithKafka(): string {
  if (python) return python;
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import kafka'], { stdio: 'ignore', timeout: 20_000 });
    if (probe.status === 0) return (python = candidate);
  }
  throw new LabCheckUsageError(
    `no Python with kafka-python (tried ${candidates.join(', ')}): install it with ` +
      '`apt-get install python3-kafka` (Debian, for /usr/bin/python3) or `pip install kafka-python`, or set PYTHON',
  );
}

/** What the hook needs to know: where to log, and the private topics, group prefix and brokers. */
export interface HookSettings {
  readonly log: string;
  readonly topic: string;
  readonly other: string;
  readonly group: string;
  readonly brokers: readonly string[];
  readonly run: string;
}

export interface RunningProgram {
  /** Everything it printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** What the hook has logged so far. */
  events(): HookEvent[];
  /** Resolves with the exit code (a signal counts as 128 + its number, as a shell says). */
  readonly exited: Promise<number>;
  hasExited(): boolean;
  /** SIGINT (Ctrl-C), then SIGKILL after `graceMs` if it is still running (then its group outlives it for a session). */
  stop(graceMs?: number): Promise<number>;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts the program with its language's hook, in a process group of its own. */
export function startProgram(program: { path: string; language: Language }, hook: HookSettings): RunningProgram {
  const [command, args] =
    program.language === 'python'
      ? [pythonWithKafka(), ['-u', resolve(hookDir, 'lab_check_hook.py'), program.path]]
      : [process.execPath, ['--import', 'tsx', '--import', resolve(hookDir, 'hook.ts'), program.path]];
  const child = spawn(command, args, {
    // From the repository, so that `--import tsx` and the program's `kafkajs` resolve to nurt's own.
    cwd: repoRoot,
    env: {
      ...process.env,
      PYTHONUNBUFFERED: '1',
      // The v2 partitioner notice is not the learner's business.
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      LAB_CHECK_LOG: hook.log,
      LAB_CHECK_TOPIC: hook.topic,
      LAB_CHECK_OTHER: hook.other,
      LAB_CHECK_GROUP: hook.group,
      LAB_CHECK_BROKERS: hook.brokers.join(','),
      LAB_CHECK_RUN: hook.run,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let done = false;
  const exited = new Promise<number>((res) => {
    child.once('close', (code, signal) => {
      done = true;
      res(code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0));
    });
    child.once('error', (e) => {
      done = true;
      err += `${e.message}\n`;
      res(127);
    });
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (done || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    stdout: () => out,
    stderr: () => err,
    events: () => readEvents(hook.log),
    exited,
    hasExited: () => done,
    async stop(graceMs = 8000) {
      signalGroup('SIGINT');
      const finished = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!finished) signalGroup('SIGKILL');
      return exited;
    },
  };
}

function readEvents(log: string): HookEvent[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as HookEvent];
      } catch {
        return []; // a line cut short by a kill
      }
    });
}

/** The last lines of a text, for a report (a traceback's end says what went wrong). */
function lastLines(text: string, count = 6): string[] {
  return text.trimEnd().split('\n').slice(-count);
}

/**
 * Why a program failed, in one line: the error (Python's last traceback line, Node's `TypeError
 * […]: …`) and where in the program it was raised, else the last lines it wrote on stderr.
 */
export function crashSummary(stderr: string, program: string): string {
  const lines = stderr.trimEnd().split('\n');
  const error = lines.findLast((l) => /^[A-Za-z_.]*(Error|Exception)\b/.test(l.trim()))?.trim();
  const where = lines.findLast((l) => l.includes(basename(program)) && /line \d+|:\d+:\d+/.test(l))?.trim();
  return error ? [error, where].filter(Boolean).join(' | ') : lastLines(stderr, 4).join(' | ');
}
