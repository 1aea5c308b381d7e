// npm run drill -- <broker-kill | worker-kill | soak> [options]; without a name, lists the drills.
// Each drill starts what it needs, stops only what it started (Ctrl-C included; Ctrl-C again after
// a second exits at once), prints a summary table and exits 1 if anything it checks failed.
// The script runs as `node --import tsx`, not under the tsx CLI: tsx relays Ctrl-C to its child and
// SIGKILLs it if it does not acknowledge within ~60 ms, too soon on a busy machine for the drill to
// get to its cleanup (a killed node restarted, the cluster stopped).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSummary, runFailoverDrill } from './failover.js';
import { formatSoak, runSoakDrill } from './soak.js';
import { formatWorkerKill, runWorkerKillDrill } from './worker-kill.js';

interface Drill {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  run(
    values: Record<string, string | boolean | undefined>,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; lines: string[] }>;
}

const DRILLS: readonly Drill[] = [
  {
    name: 'broker-kill',
    usage: '[--rounds 20] [--rate 50] [--lead-seconds 2] [--down-seconds 10] [--ingest-only] [--app-log FILE]',
    summary:
      'three-node cluster, the monolith on it under REST load; kill -9 a partition leader each round: every 202 in the log at its offset, every group applies each transaction once',
    options: {
      rounds: { type: 'string', default: '20' },
      rate: { type: 'string', default: '50' },
      'lead-seconds': { type: 'string', default: '2' },
      'down-seconds': { type: 'string', default: '10' },
      'ingest-only': { type: 'boolean', default: false },
      'app-log': { type: 'string' },
    },
    async run(v, signal) {
      const result = await runFailoverDrill({
        rounds: Math.floor(positive('rounds', v.rounds)),
        rate: positive('rate', v.rate),
        leadSeconds: positive('lead-seconds', v['lead-seconds']),
        downSeconds: positive('down-seconds', v['down-seconds']),
        groups: v['ingest-only'] !== true,
        signal,
        ...(typeof v['app-log'] === 'string' ? { appLogFile: resolve(v['app-log']) } : {}),
      });
      return { ok: result.ok, lines: formatSummary(result) };
    },
  },
  {
    name: 'worker-kill',
    usage: '[--rounds 20] [--rate 300] [--instances 2] [--lead-seconds 3] [--session-timeout-ms N]',
    summary:
      'split mode, two instances of each group service on PostgreSQL; kill -9 one mid-stream each round: nothing lost or counted twice, every group back to lag 0',
    options: {
      rounds: { type: 'string', default: '20' },
      rate: { type: 'string', default: '300' },
      instances: { type: 'string', default: '2' },
      'lead-seconds': { type: 'string', default: '3' },
      'session-timeout-ms': { type: 'string' },
    },
    async run(v, signal) {
      const result = await runWorkerKillDrill({
        rounds: Math.floor(positive('rounds', v.rounds)),
        rate: positive('rate', v.rate),
        instances: Math.floor(positive('instances', v.instances)),
        leadSeconds: positive('lead-seconds', v['lead-seconds']),
        ...(v['session-timeout-ms'] === undefined
          ? {}
          : { sessionTimeoutMs: Math.floor(positive('session-timeout-ms', v['session-timeout-ms'])) }),
        signal,
      });
      return { ok: result.ok, lines: formatWorkerKill(result) };
    },
  },
  {
    name: 'soak',
    usage: '[--minutes 10] [--measure-seconds 10] [--fraction 0.8]',
    summary:
      'the monolith at 80 % of the ingest rate measured first, for ten minutes: zero errors, every group applies each transaction once, memory flat (slope reported)',
    options: {
      minutes: { type: 'string', default: '10' },
      'measure-seconds': { type: 'string', default: '10' },
      fraction: { type: 'string', default: '0.8' },
    },
    async run(v, signal) {
      const result = await runSoakDrill({
        minutes: positive('minutes', v.minutes),
        measureSeconds: positive('measure-seconds', v['measure-seconds']),
        fraction: positive('fraction', v.fraction),
        signal,
      });
      return { ok: result.ok, lines: formatSoak(result) };
    },
  },
];

class UsageError extends Error {}

function positive(name: string, text: string | boolean | undefined): number {
  const n = Number(text);
  if (typeof text !== 'string' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive number, got ${String(text)}`);
  }
  return n;
}

function list(): string {
  return [
    'usage: npm run drill -- <name> [options]',
    '',
    ...DRILLS.flatMap((d) => [`  ${d.name} ${d.usage}`, `      ${d.summary}`]),
  ].join('\n');
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const drill = DRILLS.find((d) => d.name === name);
  if (!drill) {
    if (name !== undefined && name !== '--help') process.stderr.write(`drill: no drill named ${name}\n\n`);
    process.stdout.write(`${list()}\n`);
    process.exitCode = name === undefined || name === '--help' ? 0 : 2;
    return;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: rest, options: drill.options }).values;
  } catch (err: unknown) {
    process.stderr.write(
      `drill ${name}: ${err instanceof Error ? err.message : String(err)}\nusage: npm run drill -- ${name} ${drill.usage}\n`,
    );
    process.exitCode = 2;
    return;
  }
  const abort = new AbortController();
  let abortedAt = 0;
  // Ctrl-C reaches the drill twice in the same instant (from the terminal, and forwarded by npm):
  // only a signal repeated after a second means "exit now, skip the cleanup".
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) {
      if (Date.now() - abortedAt < 1000) return;
      process.stderr.write(`drill ${name}: ${signal} again, exiting without cleaning up\n`);
      process.exit(130);
    }
    abortedAt = Date.now();
    process.stderr.write(`drill ${name}: ${signal}: stopping, cleaning up what the drill started\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { ok, lines } = await drill.run(values, abort.signal);
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exitCode = ok ? 0 : 1;
  } catch (err: unknown) {
    if (err instanceof UsageError) {
      process.stderr.write(`drill ${name}: ${err.message}\n`);
      process.exitCode = 2;
    } else if (abort.signal.aborted) {
      process.stderr.write(`drill ${name}: interrupted\n`);
      process.exitCode = 130;
    } else {
      process.stderr.write(`drill ${name}: failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  }
}

await main();
