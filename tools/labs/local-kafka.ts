// Brokers a lab starts for itself with tools/kafka/kafka.sh: a three-node cluster (replication) or
// a single broker, each in its own state dir on ports nobody else uses, stopped and deleted after.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../cli.js';

const KAFKA_SH = join(repoRoot, 'tools/kafka/kafka.sh');

export interface ShellResult {
  readonly code: number;
  readonly output: string;
}

/** `bash tools/kafka/kafka.sh <args>` with `env` added to this process's environment. */
export function kafkaSh(args: readonly string[], env: Readonly<Record<string, string>>): Promise<ShellResult> {
  return new Promise((done) => {
    execFile(
      'bash',
      [KAFKA_SH, ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, output: `${stdout}${stderr}`.trimEnd() });
      },
    );
  });
}

async function kafkaShOrThrow(args: readonly string[], env: Readonly<Record<string, string>>): Promise<string> {
  const result = await kafkaSh(args, env);
  if (result.code !== 0) throw new Error(`kafka.sh ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  return result.output;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A base port B for which B + offset is free for every offset, drawn between 20000 and 31000:
 * below Linux's ephemeral range, away from the defaults (9092, 9192...).
 */
export async function freeBasePort(offsets: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 11_000);
    if ((await Promise.all(offsets.map((o) => canListen(base + o)))).every(Boolean)) return base;
  }
  throw new Error('no free ports found between 20000 and 31300 for a lab broker');
}

/** What a lab started: its state dir, its environment for kafka.sh, its brokers; `stop` ends and deletes it. */
export interface LocalKafka {
  readonly stateDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly brokers: readonly string[];
  /** kafka.sh's output of the start. */
  readonly output: string;
  /** Milliseconds the start took. */
  readonly startMs: number;
  sh(args: readonly string[]): Promise<string>;
  /** Stops every node (kafka.sh) and deletes the state dir; once. */
  stop(): Promise<void>;
}

function local(
  kind: string,
  env: Record<string, string>,
  brokers: string[],
  stopArgs: readonly string[],
): Omit<LocalKafka, 'output' | 'startMs'> {
  let stopping: Promise<void> | undefined;
  return {
    stateDir: env.NURT_KAFKA_HOME ?? '',
    env,
    brokers,
    sh: (args) => kafkaShOrThrow(args, env),
    stop() {
      stopping ??= (async () => {
        const result = await kafkaSh(stopArgs, env);
        if (result.code !== 0) throw new Error(`stopping the lab's ${kind} failed:\n${result.output}`);
        rmSync(env.NURT_KAFKA_HOME ?? '', { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * A three-node cluster (kafka.sh cluster-start) in a new temporary state dir on free ports: node N's
 * broker on base + (N-1)*100, its controller on the next port. `onStarted` is called before the
 * start, with what stops it, so that a failed or interrupted start is cleaned up too.
 */
export async function startCluster(label: string, onStarted: (stop: () => Promise<void>) => void): Promise<LocalKafka> {
  const base = await freeBasePort([0, 1, 100, 101, 200, 201]);
  const stateDir = mkdtempSync(join(tmpdir(), `nurt-${label}-`));
  const env = { NURT_KAFKA_HOME: stateDir, KAFKA_CLUSTER_BASE_PORT: String(base) };
  const brokers = [0, 100, 200].map((o) => `127.0.0.1:${base + o}`);
  const cluster = local('cluster', env, brokers, ['cluster-stop']);
  onStarted(() => cluster.stop());
  const started = Date.now();
  const output = await kafkaShOrThrow(['cluster-start'], env);
  return { ...cluster, output, startMs: Date.now() - started };
}

/** A single broker (kafka.sh start [args], e.g. --override k=v) in a new temporary state dir on free ports. */
export async function startSingle(
  label: string,
  args: readonly string[],
  onStarted: (stop: () => Promise<void>) => void,
): Promise<LocalKafka> {
  const base = await freeBasePort([0, 1]);
  const stateDir = mkdtempSync(join(tmpdir(), `nurt-${label}-`));
  const env = { NURT_KAFKA_HOME: stateDir, KAFKA_PORT: String(base), KAFKA_CONTROLLER_PORT: String(base + 1) };
  const broker = local('broker', env, [`127.0.0.1:${base}`], ['stop']);
  onStarted(() => broker.stop());
  const started = Date.now();
  const output = await kafkaShOrThrow(['start', ...args], env);
  return { ...broker, output, startMs: Date.now() - started };
}
