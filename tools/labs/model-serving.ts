// Serving the price model over HTTP: latency (p50, p99) and QPS of GET /predict/ measured live, what
// micro-batching changes, and what a million predictions cost in CPU on this machine.
import { cpus, loadavg } from 'node:os';
import { loadPredictionEnv } from '@nurt/prediction';
import { cpuOf, median, slice, type Server, type Slice } from '../../bench/lib/harness.js';
import {
  call,
  openWorkspace,
  readyAfter,
  seconds,
  startApp,
  type AppProcess,
  type AppsCleaned,
  type Exchange,
} from './apps.js';
import { explain, LabScope, labKafka, runPrefix, table, type Lab } from './kit.js';

export interface ServingRun {
  readonly label: string;
  /** PREDICTION_MAX_BATCH of the server: 1 = micro-batching off. */
  readonly maxBatch: number;
  readonly connections: number;
  readonly requests: number;
  readonly seconds: number;
  readonly qps: number;
  /** Median over the rounds of each round's p50 / p99 (ms, from every answer's own time). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** User + system CPU the server process used meanwhile (/proc). */
  readonly cpuSeconds: number;
  readonly cpuMicrosPerRequest: number;
  /** Rows per model call meanwhile, from the server's own /metrics (prediction_batch_size). */
  readonly meanBatch: number;
  readonly failures: number;
}

export interface ModelServingEvidence {
  readonly query: string;
  /** The request answered once, as a client sees it. */
  readonly answer: Exchange;
  readonly defaults: { readonly maxBatch: number; readonly maxWaitMs: number };
  /** One connection, one request at a time: latency without queueing (batching on, the default). */
  readonly single: ServingRun;
  /** Many connections at once, micro-batching on (the default) and off. */
  readonly on: ServingRun;
  readonly off: ServingRun;
  /** A million predictions at the measured CPU per request (batching on and off). */
  readonly million: {
    readonly cpuSecondsOn: number;
    readonly cpuSecondsOff: number;
    readonly coreHoursOn: number;
  };
  readonly cleaned: AppsCleaned;
}

const QUERY = '/predict/?area=65&bedrooms=3&building_age=10';
const CONNECTIONS = 64; // as bench:predict

/** Sum and count of the server's prediction_batch_size histogram so far. */
async function batchCounters(url: string): Promise<{ rows: number; calls: number }> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
  const value = (name: string): number =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { rows: value('prediction_batch_size_sum'), calls: value('prediction_batch_size_count') };
}

/** The harness's view of an app: its address and its CPU time. */
const asServer = (proc: AppProcess): Server => ({
  target: { label: proc.label, command: [], env: {}, readyPath: '/health/ready' },
  url: proc.url,
  cpuSeconds: () => cpuOf(proc.pid),
  stop: () => proc.stop(),
});

export const modelServing: Lab<ModelServingEvidence> = {
  name: 'model-serving',
  summary:
    'GET /predict/ under load: p50/p99 latency and QPS, micro-batching on and off, CPU cost of a million predictions',
  async run({ log, short }) {
    const prefix = runPrefix('serving');
    const defaults = loadPredictionEnv({});
    const rounds = short ? 1 : 3;
    const sliceSeconds = short ? 1.5 : 3;
    const warmupSeconds = short ? 0.5 : 1;
    // The prediction service needs no broker and no database: the scope only stops processes.
    const scope = new LabScope(labKafka(prefix), log);
    try {
      const workspace = await openWorkspace(scope, prefix, ['prediction'], log);
      explain(
        log,
        '1. Two prediction services (apps/prediction: the TensorFlow.js price model behind GET /predict/)',
        `"on": the defaults, micro-batching on: concurrent requests share one model call (PREDICTION_MAX_BATCH=${defaults.PREDICTION_MAX_BATCH},`,
        `PREDICTION_MAX_WAIT_MS=${defaults.PREDICTION_MAX_WAIT_MS}: whatever arrived by the next event-loop turn). "off": PREDICTION_MAX_BATCH=1, one call per`,
        'request. Both are set in libs/prediction/src/prediction.config.ts (.env.example).',
      );
      const [on, off] = await Promise.all([
        startApp(workspace, 'prediction', {}, 'on'),
        startApp(workspace, 'prediction', { PREDICTION_MAX_BATCH: '1' }, 'off'),
      ]);
      if (!on || !off) throw new Error('the prediction services did not start');
      const readies = await Promise.all([readyAfter(on), readyAfter(off)]);
      log(
        `   on: pid ${on.pid}, ready after ${seconds(readies[0] ?? NaN)}; off: pid ${off.pid}, ready after ${seconds(readies[1] ?? NaN)}`,
      );
      const answer = await call(log, on.url, 'GET', QUERY, { via: 'on' });
      if (answer.status !== 200) throw new Error(`GET ${QUERY} answered ${answer.status}`);

      /** `rounds` slices of load on each server in turn (on, off, on, off, ...): neighbours drift together. */
      const measure = async (
        servers: readonly AppProcess[],
        connections: number,
        rounds: number,
      ): Promise<ServingRun[]> => {
        for (const s of servers) await slice(asServer(s), { path: () => QUERY, seconds: warmupSeconds, connections });
        const slices = new Map<AppProcess, Slice[]>(servers.map((s) => [s, []]));
        const before = new Map(await Promise.all(servers.map(async (s) => [s, await batchCounters(s.url)] as const)));
        for (let round = 0; round < rounds; round++) {
          for (const s of servers) {
            slices
              .get(s)
              ?.push(
                await slice(asServer(s), { path: () => QUERY, seconds: sliceSeconds, connections, exactLatency: true }),
              );
          }
        }
        return Promise.all(
          servers.map(async (s) => {
            const mine = slices.get(s) ?? [];
            const after = await batchCounters(s.url);
            const start = before.get(s) ?? { rows: NaN, calls: NaN };
            const requests = mine.reduce((n, x) => n + x.requests, 0);
            const secs = mine.reduce((n, x) => n + x.seconds, 0);
            const cpuSeconds = mine.reduce((n, x) => n + x.cpuSeconds, 0);
            return {
              label: s.label,
              maxBatch: s === off ? 1 : defaults.PREDICTION_MAX_BATCH,
              connections,
              requests,
              seconds: secs,
              qps: requests / secs,
              p50Ms: median(mine.map((x) => x.p50)),
              p99Ms: median(mine.map((x) => x.p99)),
              cpuSeconds,
              cpuMicrosPerRequest: (1e6 * cpuSeconds) / requests,
              meanBatch: (after.rows - start.rows) / (after.calls - start.calls),
              failures: mine.reduce((n, x) => n + x.failures, 0),
            };
          }),
        );
      };
      const runTable = (runs: readonly ServingRun[]): void => {
        for (const line of table(
          [
            'server',
            'connections',
            'requests',
            'QPS',
            'p50',
            'p99',
            'CPU per request',
            'rows per model call',
            'failures',
          ],
          runs.map((r) => [
            r.label,
            r.connections,
            r.requests,
            r.qps.toFixed(0),
            `${r.p50Ms.toFixed(2)} ms`,
            `${r.p99Ms.toFixed(2)} ms`,
            `${r.cpuMicrosPerRequest.toFixed(0)} µs`,
            r.meanBatch.toFixed(1),
            r.failures,
          ]),
        ))
          log(`   ${line}`);
      };

      explain(
        log,
        '2. Latency alone: one connection, one request at a time (autocannon, as bench:predict)',
        'Latency is the time of one answer; QPS how many answers per second. With one client at a time there is',
        'no queue, so this is the service time itself (plus loopback HTTP); there is nothing to batch either.',
      );
      const [single] = await measure([on], 1, 1);
      if (!single) throw new Error('no measurement');
      runTable([single]);

      explain(
        log,
        `3. Under load: ${CONNECTIONS} connections at once, batching on and off (${rounds} interleaved round${rounds > 1 ? 's' : ''} of ${sliceSeconds} s each)`,
        'Now requests queue: p50 and p99 include the wait. p99 is the answer 1 in 100 clients waits longer than: what',
        'a "million users at once" feel. CPU per request is read from /proc: steadier than QPS on a shared machine.',
      );
      const [loadedOn, loadedOff] = await measure([on, off], CONNECTIONS, rounds);
      if (!loadedOn || !loadedOff) throw new Error('no measurement');
      runTable([loadedOn, loadedOff]);

      const million = {
        cpuSecondsOn: loadedOn.cpuMicrosPerRequest,
        cpuSecondsOff: loadedOff.cpuMicrosPerRequest,
        coreHoursOn: loadedOn.cpuMicrosPerRequest / 3600,
      };
      const cores = cpus().length;
      explain(
        log,
        '4. The cost of a million predictions on this machine',
        `CPU µs per request × 1,000,000 = CPU-seconds per million (the server process only, at the measured load):`,
      );
      for (const line of table(
        ['', 'CPU per request', 'a million predictions', 'one core serves a million in'],
        [
          [
            'batching on',
            `${loadedOn.cpuMicrosPerRequest.toFixed(0)} µs`,
            `${million.cpuSecondsOn.toFixed(0)} CPU-s = ${million.coreHoursOn.toFixed(3)} core-hours`,
            seconds(million.cpuSecondsOn * 1000),
          ],
          [
            'batching off',
            `${loadedOff.cpuMicrosPerRequest.toFixed(0)} µs`,
            `${million.cpuSecondsOff.toFixed(0)} CPU-s = ${(million.cpuSecondsOff / 3600).toFixed(3)} core-hours`,
            seconds(million.cpuSecondsOff * 1000),
          ],
        ],
      ))
        log(`   ${line}`);
      log(
        `   (this machine: ${cores} cores, load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}; the price is`,
      );
      log(
        '   core-hours × what your provider charges per vCPU-hour, plus memory and the idle capacity kept for peaks)',
      );

      explain(
        log,
        'What this shows',
        `Queueing: p50 ${single.p50Ms.toFixed(2)} ms alone, ${loadedOn.p50Ms.toFixed(2)} ms with ${CONNECTIONS} connections (batching on).`,
        `Micro-batching: ${loadedOn.meanBatch.toFixed(1)} rows per model call instead of 1; ${(loadedOff.cpuMicrosPerRequest / loadedOn.cpuMicrosPerRequest).toFixed(1)}x less CPU per request and ${(loadedOn.qps / loadedOff.qps).toFixed(1)}x the QPS`,
        'of the same model, one request per call. Serving cost is CPU per request: what batching, a faster',
        'backend (PREDICTION_BACKEND) or a smaller model lower. bench:predict measures the same for 20 s (docs/benchmarks.md).',
      );
      return {
        query: QUERY,
        answer,
        defaults: { maxBatch: defaults.PREDICTION_MAX_BATCH, maxWaitMs: defaults.PREDICTION_MAX_WAIT_MS },
        single,
        on: loadedOn,
        off: loadedOff,
        million,
        cleaned: { pids: [...workspace.pids], folders: [...workspace.folders], groups: [], databases: [] },
      };
    } finally {
      await scope.close();
    }
  },
};
