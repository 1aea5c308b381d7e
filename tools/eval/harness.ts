/**
 * What the evaluations (`npm run eval:*`) share: the BUILT app (`dist/apps/monolith`) running the
 * services an evaluation measures, as a child process on its own consumer groups (a fresh
 * KAFKA_GROUP_SUFFIX, positioned at the end of every topic they read, so they see only what the
 * evaluation writes, plus whatever else is written to the shared topics meanwhile) and its own
 * storage (a PGlite folder, or a scratch PostgreSQL database); records written to the real topics
 * with nurt's producer; a wait until every group of the app has consumed everything; REST reads;
 * and a stop that removes all it started, also after a failure or Ctrl-C.
 *
 *   await runEvaluation('eval:x', async () => {
 *     await withEvalApp({ services: ['fraud'] }, async (app) => { ... });
 *   });
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CUSTOMER_EVENT_TYPE_HEADER,
  Topics,
  type CustomerEvent,
  type ServiceName,
  type Transaction,
} from '@nurt/contracts';
import { KafkaProducer, loadKafkaEnv } from '@nurt/kafka';
import { groupsOf } from '@nurt/runtime';
import pg from 'pg';
import { loadServices } from '../../apps/services/index.js';
import { canConnect, freePort } from '../../test/support/net.js';
import { loadRepoEnv, repoRoot, runCommand } from '../cli.js';

// An evaluation reads the repository's .env, as `npm start` does, before any configuration.
loadRepoEnv();

export interface EvalAppOptions {
  /** The services the app runs (NURT_SERVICES); their consumer groups are the ones waited for. */
  readonly services: readonly ServiceName[];
  /**
   * A PostgreSQL server to hold the app's data: a scratch database is created on it (this URL's
   * user must be allowed to CREATE DATABASE) and dropped at the end. Without it, PGlite in a
   * temporary folder.
   */
  readonly databaseUrl?: string;
  /** Skip `nest build` when dist/ is older than the sources (default: rebuild when stale). */
  readonly noBuild?: boolean;
  /** Extra environment for the app. */
  readonly env?: Readonly<Record<string, string>>;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

/** How a transaction's record key is chosen: by store (the topic's contract) or by customer. */
export type TransactionKey = 'store' | 'customer' | ((tx: Transaction) => string);

export interface SettleOptions {
  /** Also wait until this answers true (e.g. every expected row readable through the API). */
  readonly until?: () => Promise<boolean>;
  readonly timeoutMs?: number;
}

export interface EvalApp {
  /** The app's base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** Unique per run: also a safe prefix for this run's ids. */
  readonly run: string;
  /** The consumer groups as the broker knows them (with the run's suffix). */
  readonly groups: readonly string[];
  produceTransactions(transactions: readonly Transaction[], key: TransactionKey): Promise<void>;
  /** Writes customers to the compacted `customers` topic as the customers service does (key = id). */
  produceCustomers(customers: readonly CustomerEvent[]): Promise<void>;
  /** Waits until every group has committed the end of every topic it reads, and `until` holds. */
  settle(options?: SettleOptions): Promise<void>;
  /** GET `path` as JSON; any status but 200 is an error naming the path. */
  getJson<T>(path: string): Promise<T>;
  /** GET `path`: the status and the JSON body (undefined when it is not JSON). */
  get<T>(path: string): Promise<{ status: number; body: T | undefined }>;
}

const BATCH = 1000;

function keyOf(key: TransactionKey): (tx: Transaction) => string {
  if (key === 'store') return (tx) => tx.store;
  if (key === 'customer') {
    return (tx) => {
      if (tx.customerId === undefined) throw new Error(`transaction ${tx.id} has no customerId to key by`);
      return tx.customerId;
    };
  }
  return key;
}

/** The last few meaningful lines of a child's stderr, on one line. */
function lastWords(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('at '));
  return lines.slice(-3).join(' | ').slice(0, 600);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(250);
  }
}

/** Cleanups registered by running evaluations, run on Ctrl-C / SIGTERM before exiting. */
const cleanups = new Set<() => Promise<void>>();
let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (signalled) return;
    signalled = true;
    process.stderr.write(`\n${signal}: stopping the evaluation's app and removing what it created\n`);
    void Promise.allSettled([...cleanups].map((c) => c())).then(() => process.exit(130));
  });
}

/**
 * Starts the built app with `options.services` on fresh groups and storage, hands it to `work`,
 * and stops everything it started afterwards, whether `work` succeeded or not.
 */
export async function withEvalApp<T>(options: EvalAppOptions, work: (app: EvalApp) => Promise<T>): Promise<T> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const kafkaEnv = loadKafkaEnv();
  const [host, port] = (kafkaEnv.KAFKA_BROKERS[0] ?? '127.0.0.1:9092').split(':');
  if (!(await canConnect(host ?? '127.0.0.1', Number(port ?? 9092)))) {
    throw new Error(`no Kafka broker answers at ${kafkaEnv.KAFKA_BROKERS.join(',')} (start one: npm run kafka:start)`);
  }
  // test/support reads KAFKA_BROKERS when it loads: make it the address the app will use (.env and
  // KAFKA_PORT included), then load it.
  process.env.KAFKA_BROKERS = kafkaEnv.KAFKA_BROKERS.join(',');
  const { groupLag } = await import('../../test/support/kafka.js');
  const { positionGroupsAtEnd } = await import('../../test/support/pipeline.js');
  if (!options.noBuild) {
    try {
      execFileSync(process.execPath, ['tools/build-if-stale.mjs', 'monolith'], { cwd: repoRoot, stdio: 'inherit' });
    } catch {
      throw new Error('the build (tools/build-if-stale.mjs) failed; its output is above');
    }
  }

  const run = `E${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const suffix = `-eval-${run}`;
  const undo: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    cleanups.delete(cleanup);
    // Last in, first out: the app stops before its storage goes.
    for (const step of undo.reverse().splice(0)) await step().catch(() => undefined);
  };
  cleanups.add(cleanup);
  try {
    const services = await loadServices(options.services);
    const definitions = groupsOf(services);
    const groups = definitions.map((d) => `${d.group}${suffix}`);
    const reads = definitions.flatMap((d) =>
      d.contracts.map((c) => ({ group: `${d.group}${suffix}`, topic: c.topic })),
    );

    let storage: Record<string, string>;
    if (options.databaseUrl) {
      const url = await scratchDatabase(options.databaseUrl, `nurt_eval_${run.toLowerCase()}`, undo);
      storage = { DATABASE_URL: url };
      log(`storage: scratch PostgreSQL database ${new URL(url).pathname.slice(1)}`);
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'nurt-eval-pglite-'));
      undo.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
      storage = { DATABASE_URL: '', PGLITE_DIR: dir };
      log(`storage: PGlite in ${dir}`);
    }

    await positionGroupsAtEnd(services, suffix);
    const url = await startApp(
      {
        NURT_SERVICES: options.services.join(','),
        KAFKA_GROUP_SUFFIX: suffix,
        CUSTOMERS_SEED: 'false',
        ...storage,
        ...options.env,
      },
      undo,
    );
    log(`app: dist/apps/monolith running ${options.services.join(', ')} at ${url}, groups ${groups.join(', ')}`);

    const producer = KafkaProducer.standalone(kafkaEnv, `nurt-eval-${run}`);
    undo.push(() => producer.onApplicationShutdown());

    const get = async <B>(path: string): Promise<{ status: number; body: B | undefined }> => {
      const res = await fetch(`${url}${path}`);
      const text = await res.text();
      let body: B | undefined;
      try {
        body = JSON.parse(text) as B;
      } catch {
        body = undefined;
      }
      return { status: res.status, body };
    };
    const app: EvalApp = {
      url,
      run,
      groups,
      async produceTransactions(transactions, key) {
        const keyFor = keyOf(key);
        for (let i = 0; i < transactions.length; i += BATCH) {
          await producer.sendBatch(
            transactions.slice(i, i + BATCH).map((tx) => ({ topic: Topics.Transactions, key: keyFor(tx), value: tx })),
          );
        }
      },
      async produceCustomers(customers) {
        for (let i = 0; i < customers.length; i += BATCH) {
          await producer.sendBatch(
            customers.slice(i, i + BATCH).map((c) => ({
              topic: Topics.Customers,
              key: String(c.id),
              value: c,
              headers: { [CUSTOMER_EVENT_TYPE_HEADER]: 'created' },
            })),
          );
        }
      },
      async settle(settle = {}) {
        await waitUntil(
          `${groups.join(', ')} to consume every record`,
          async () => {
            for (const { group, topic } of reads) if ((await groupLag(group, topic)) !== 0) return false;
            return settle.until ? settle.until() : true;
          },
          settle.timeoutMs ?? 600_000,
        );
      },
      async getJson<B>(path: string) {
        const { status, body } = await get<B>(path);
        if (status !== 200 || body === undefined) throw new Error(`GET ${path} answered ${status}`);
        return body;
      },
      get,
    };
    return await work(app);
  } finally {
    await cleanup();
  }
}

/** Starts dist/apps/monolith with `env` on a free port; resolves with its URL once /health/live answers. */
async function startApp(env: Record<string, string>, undo: (() => Promise<void>)[]): Promise<string> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['dist/apps/monolith/main.js'], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  undo.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited during start-up: ${lastWords(stderr)}`);
    const ok = await fetch(`${url}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return url;
    if (Date.now() > deadline) throw new Error(`the app was not live within 120 s: ${lastWords(stderr)}`);
    await sleep(200);
  }
}

/** Creates database `name` on the server of `adminUrl`; its drop is pushed on `undo`. Returns its URL. */
async function scratchDatabase(adminUrl: string, name: string, undo: (() => Promise<void>)[]): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot create a scratch database on ${redacted(adminUrl)}: ${why}`, { cause: err });
  } finally {
    await admin.end().catch(() => undefined);
  }
  undo.push(async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Runs an evaluation's body as a command: a failure is one line on stderr (no stack trace) and
 * exit 1; the body's number, if any, is the exit code.
 */
export function runEvaluation(command: string, main: () => Promise<number | void>): Promise<never> {
  return runCommand(command, main);
}
