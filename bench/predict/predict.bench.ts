/**
 * npm run bench:predict: QPS and p50/p99 of GET /predict/ in the monolith, with micro-batching on
 * and off, against a bare Fastify route returning constant JSON, all in one run on loopback.
 *
 *   npm run bench:predict -- [--duration 20] [--rounds 4] [--connections 64]
 *                            [--app monolith|prediction] [--sweep] [--no-build]
 *
 * Each server gets `duration` seconds in all, measured in `rounds` interleaved slices (bare, on,
 * off, bare, on, off, …): on a shared 2-core machine the speed drifts by a factor of two within a
 * minute, and only servers measured side by side in time can be compared. QPS is the total over
 * all slices; p50, p99 and the ratio to bare are the medians of the per-round values.
 *
 * --sweep also runs a grid of PREDICTION_MAX_BATCH × PREDICTION_MAX_WAIT_MS (how the defaults were
 * chosen) on the prediction app alone: a dozen monoliths would keep rebalancing their consumer groups. Servers run as child processes on free loopback ports and are stopped at the end; a
 * local Kafka broker is started only if the monolith needs one and none answers, and then stopped.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadPredictionEnv } from '@nurt/prediction';
import {
  ensureKafka,
  LOAD_OPTIONS,
  loadArgs,
  killAll,
  median,
  root,
  slice as loadSlice,
  startServer,
  type Server,
  type Slice,
  type Target,
} from '../lib/harness.js';

const { values: args } = parseArgs({
  options: {
    ...LOAD_OPTIONS,
    app: { type: 'string', default: 'monolith' },
    sweep: { type: 'boolean', default: false },
  },
});
const { duration, rounds, warmup, connections } = loadArgs(args);
if (args.app !== 'monolith' && args.app !== 'prediction') throw new Error('--app must be monolith or prediction');
const QUERY = '/predict/?area=65&bedrooms=3&building_age=10';
const defaults = loadPredictionEnv({});

/** One slice of load on GET /predict/ (the lecture's request). */
const slice = (server: Server, seconds: number): Promise<Slice> =>
  loadSlice(server, { path: () => QUERY, seconds, connections });

/** Mean rows per model call and mean model-call time, from the app's own Prometheus metrics. */
async function batchStats(url: string): Promise<{ meanBatch: number; meanCallMicros: number } | undefined> {
  const text = await fetch(`${url}/metrics`).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
  const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
  const calls = value('prediction_batch_size_count');
  if (!(calls > 0)) return undefined;
  return {
    meanBatch: value('prediction_batch_size_sum') / calls,
    meanCallMicros:
      (1e6 * value('prediction_model_call_duration_seconds_sum')) /
      value('prediction_model_call_duration_seconds_count'),
  };
}

function appTarget(label: string, env: Record<string, string>, app = args.app): Target {
  return {
    label,
    command: [`dist/apps/${app}/main.js`],
    // Each monolith gets an in-memory PGlite: two processes cannot share one PGlite folder.
    env: { PGLITE_DIR: 'memory', ...env, PREDICTION_BACKEND: process.env['PREDICTION_BACKEND'] ?? 'auto' },
    readyPath: '/health/ready',
  };
}

async function main(): Promise<void> {
  if (!args['no-build']) execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
  const stopKafka = args.app === 'monolith' ? await ensureKafka() : () => undefined;
  const cleanUp = killAll;
  process.once('SIGINT', () => {
    cleanUp();
    stopKafka();
    process.exit(130);
  });
  try {
    const targets: Target[] = [
      {
        label: 'bare Fastify, constant JSON',
        command: ['bench/predict/bare-server.mjs'],
        env: {},
        readyPath: '/predict/',
      },
      appTarget(
        `${args.app}, batching on (defaults: max batch ${defaults.PREDICTION_MAX_BATCH}, max wait ${defaults.PREDICTION_MAX_WAIT_MS} ms)`,
        {},
      ),
      appTarget(`${args.app}, batching off`, { PREDICTION_MAX_BATCH: '1' }),
    ];
    if (args.sweep) {
      for (const maxBatch of ['16', '64', '256']) {
        for (const maxWait of ['0', '1', '2']) {
          if (
            Number(maxBatch) === defaults.PREDICTION_MAX_BATCH &&
            Number(maxWait) === defaults.PREDICTION_MAX_WAIT_MS
          ) {
            continue;
          }
          targets.push(
            appTarget(
              `prediction, max batch ${maxBatch}, max wait ${maxWait} ms`,
              { PREDICTION_MAX_BATCH: maxBatch, PREDICTION_MAX_WAIT_MS: maxWait },
              'prediction',
            ),
          );
        }
      }
    }
    const servers: (Server & { slices: Slice[] })[] = [];
    for (const target of targets) servers.push({ ...(await startServer(target)), slices: [] });
    console.log(
      `GET ${QUERY}: ${connections} connections, ${duration} s per server in ${rounds} interleaved rounds` +
        ` (after ${warmup} s warm-up each); load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    for (const s of servers) if (warmup > 0) await slice(s, warmup);
    for (let round = 1; round <= rounds; round++) {
      for (const s of servers) {
        const result = await slice(s, duration / rounds);
        s.slices.push(result);
        console.log(
          `  round ${round} ${s.target.label.padEnd(64)} ${(result.requests / result.seconds).toFixed(0).padStart(6)} req/s` +
            `  p50 ${result.p50} ms  p99 ${result.p99} ms  ${((1e6 * result.cpuSeconds) / result.requests).toFixed(0)} µs CPU/req` +
            (result.failures ? `  FAILURES ${result.failures}` : ''),
        );
      }
    }
    const batching = await Promise.all(servers.map((s) => batchStats(s.url)));
    await Promise.all(servers.map((s) => s.stop()));
    const bare = servers[0].slices;
    console.log(
      `\nload average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      '\n| server | QPS | p50 (ms) | p99 (ms) | QPS ratio to bare | server CPU per request (µs) | mean batch | mean model call (µs) | failures |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [i, s] of servers.entries()) {
      const b = batching[i];
      const qps = s.slices.reduce((n, x) => n + x.requests, 0) / s.slices.reduce((n, x) => n + x.seconds, 0);
      const ratio = median(s.slices.map((x, i) => x.requests / bare[i].requests));
      const failures = s.slices.reduce((n, x) => n + x.failures, 0);
      const cpu = (1e6 * s.slices.reduce((n, x) => n + x.cpuSeconds, 0)) / s.slices.reduce((n, x) => n + x.requests, 0);
      console.log(
        `| ${s.target.label} | ${qps.toFixed(0)} | ${median(s.slices.map((x) => x.p50))} | ` +
          `${median(s.slices.map((x) => x.p99))} | ${ratio.toFixed(2)} | ${cpu.toFixed(0)} | ` +
          `${b ? b.meanBatch.toFixed(1) : '–'} | ${b ? b.meanCallMicros.toFixed(0) : '–'} | ${failures} |`,
      );
    }
  } finally {
    cleanUp();
    stopKafka();
  }
}

await main();
