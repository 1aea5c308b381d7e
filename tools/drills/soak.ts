// npm run drill -- soak: the monolith on PostgreSQL, single POST /transactions at 80 % of the
// ingest rate measured at the start of the same run, for --minutes (default 10). Checks that every
// request was answered 202, that the three consumer groups applied every transaction exactly once,
// and reports the process's memory over time (resident and heap, sampled) with its slope.
import { topicSpec, Topics } from '@nurt/contracts';
import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { autocannon } from '../../bench/lib/harness.js';
import { createScratchDatabase } from '../../test/support/databases.js';
import { freePort } from '../../test/support/net.js';
import { rssMiB, startBuiltApp, waitForHttp } from '../../test/support/process.js';
import { runId } from '../../test/support/wait.js';
import {
  DRILL_GROUPS,
  formatVerdicts,
  runStores,
  startGroupsAtEnd,
  verifyApplied,
  waitForLagZero,
  loggedTransactions,
  type GroupVerdict,
} from './applied.js';
import { buildApps, ensureBroker, stopApp, Teardown, type DrillLog } from './kit.js';
import { readBack } from './readback.js';
import type { Range } from './verify.js';

const TOPIC = Topics.Transactions;
const CUSTOMERS = 200;
const CONNECTIONS = 64;

export interface SoakOptions {
  /** Minutes at the soak rate (default 10). */
  readonly minutes: number;
  /** Seconds of the ingest measurement before the soak (default 10). */
  readonly measureSeconds?: number;
  /** Fraction of the measured maximum to soak at (default 0.8). */
  readonly fraction?: number;
  /** Seconds between memory samples (default 5). */
  readonly sampleSeconds?: number;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface MemorySample {
  /** Seconds since the soak started. */
  readonly at: number;
  readonly rssMb: number;
  /** V8's heap: in use, and what V8 holds for it (part of the resident size); null when /metrics did not answer. */
  readonly heapMb: number | null;
  readonly heapTotalMb: number | null;
  /** Memory outside V8's heap that JavaScript objects hold (Buffers, ArrayBuffers). */
  readonly externalMb: number | null;
}

export interface SoakResult {
  readonly ok: boolean;
  readonly idPrefix: string;
  readonly maxPerSecond: number;
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly requests: number;
  readonly accepted: number;
  /** Non-202 answers, connection errors and client timeouts. */
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Error lines the app logged during the soak. */
  readonly appErrorLines: number;
  readonly memory: readonly MemorySample[];
  /** Least-squares slope over the samples after the first fifth, MB per minute. */
  readonly rssSlopeMbPerMin: number;
  readonly heapSlopeMbPerMin: number | null;
  readonly memoryFlat: boolean;
  readonly catchUpMs: number;
  readonly verdicts: readonly GroupVerdict[];
}

export async function runSoakDrill(options: SoakOptions): Promise<SoakResult> {
  const begin = performance.now();
  const out = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log: DrillLog = (line) => out(`[${((performance.now() - begin) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const teardown = new Teardown(log);
  try {
    const brokers = await ensureBroker(log, teardown);
    await buildApps(['monolith'], log);
    const db = await createScratchDatabase('nurt_drill');
    teardown.add('drop the scratch database', () => db.drop());
    const run = runId();
    const idPrefix = `SK-${run}-`;
    const groupSuffix = `-sk-${run}`;
    const kafka = new kafkajs.Kafka({ clientId: 'nurt-drill', brokers, logLevel: kafkajs.logLevel.NOTHING });
    const spec = topicSpec(TOPIC);
    const groups = DRILL_GROUPS.map((g) => `${g}${groupSuffix}`);
    await startGroupsAtEnd(brokers, groups, spec, 1);
    const stores = runStores(run, spec.partitions, 4);

    const app = startBuiltApp('monolith', await freePort(), {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_GROUP_SUFFIX: groupSuffix,
    });
    teardown.add('stop the monolith', () => stopApp(app, log));
    await waitForHttp(`${app.url}/health/ready`, 200, 120_000).catch((err: unknown) => {
      throw new Error(`the monolith did not come up: ${String(err)}\n${app.output().slice(-3000)}`);
    });
    log(`app: node dist/apps/monolith/main.js (pid ${app.child.pid}) on ${app.url}, PostgreSQL ${db.url}`);

    let n = 0;
    const body = (): string => {
      const i = n++;
      return JSON.stringify({
        id: `${idPrefix}${i}`,
        amount: (100 + ((i * 7919) % 50_000)) / 100,
        store: stores[i % stores.length] ?? 'Warsaw',
        type: 'purchase',
        customerId: `${idPrefix}c${i % CUSTOMERS}`,
      });
    };
    const start = await topicEnds(kafka);

    const measureSeconds = options.measureSeconds ?? 10;
    log(`measure: ${CONNECTIONS} connections of single POST /transactions for ${measureSeconds} s`);
    const measured = await load(app.url, body, { seconds: measureSeconds });
    const maxPerSecond = measured.accepted / measureSeconds;
    const ratePerSecond = Math.max(1, Math.floor(maxPerSecond * (options.fraction ?? 0.8)));
    log(
      `measure: ${Math.round(maxPerSecond)} accepted/s (${measured.errors} errors); soaking at ${ratePerSecond}/s ` +
        `for ${options.minutes} min`,
    );
    options.signal?.throwIfAborted();

    const outputBefore = app.output().length;
    const memory: MemorySample[] = [];
    const soakStart = performance.now();
    const sampler = setInterval(
      () => {
        void sample(app.child.pid, app.url).then((s) => {
          if (s) memory.push({ at: (performance.now() - soakStart) / 1000, ...s });
        });
      },
      (options.sampleSeconds ?? 5) * 1000,
    );
    teardown.add('stop sampling', () => Promise.resolve(clearInterval(sampler)));
    const seconds = Math.round(options.minutes * 60);
    const soak = await load(app.url, body, { seconds, rate: ratePerSecond, signal: options.signal });
    clearInterval(sampler);
    const errorLines = app
      .output()
      .slice(outputBefore)
      .split('\n')
      .filter((l) => /\bERROR\b/.test(l)).length;
    log(`soak: ${soak.accepted} accepted of ${soak.requests}, ${soak.errors} errors, p99 ${soak.p99Ms} ms`);

    log('groups: waiting until anti-fraud, reporting and recommendation have committed the end of the topic');
    const catchUpMs = await waitForLagZero(kafka, groups, TOPIC, 600_000, options.signal);
    const end = await topicEnds(kafka);
    const ranges = new Map([...end].map(([p, e]): [number, Range] => [p, { start: start.get(p) ?? 0n, end: e }]));
    log('reading the run back from the log');
    const records = await readBack(kafka, { topic: TOPIC, groupId: `nurt-drill-readback-${run}`, ranges });
    const logged = loggedTransactions(records, idPrefix);
    const verdicts = await verifyApplied(db.url, logged, {
      stores,
      customerPrefix: `${idPrefix}c`,
      groupSuffix,
    });
    const settled = memory.filter((m) => m.at >= seconds / 5);
    const rssSlope = slope(settled.map((m) => [m.at / 60, m.rssMb]));
    const heaps = settled.filter((m) => m.heapMb !== null).map((m): [number, number] => [m.at / 60, m.heapMb ?? 0]);
    const heapSlope = heaps.length >= 2 ? slope(heaps) : null;
    const meanRss = settled.reduce((a, m) => a + m.rssMb, 0) / Math.max(1, settled.length);
    // Flat: the fitted line grows by less than 5 % of the mean resident size per ten minutes.
    const memoryFlat = settled.length >= 3 && rssSlope * 10 <= 0.05 * meanRss;
    const groupsOk = verdicts.every((v) => v.lost === 0 && v.doubled === 0 && v.problems.length === 0);
    return {
      ok: soak.errors === 0 && errorLines === 0 && groupsOk && memoryFlat,
      idPrefix,
      maxPerSecond: Math.round(maxPerSecond),
      ratePerSecond,
      seconds,
      requests: soak.requests,
      accepted: soak.accepted,
      errors: soak.errors,
      p50Ms: soak.p50Ms,
      p99Ms: soak.p99Ms,
      appErrorLines: errorLines,
      memory,
      rssSlopeMbPerMin: rssSlope,
      heapSlopeMbPerMin: heapSlope,
      memoryFlat,
      catchUpMs,
      verdicts,
    };
  } finally {
    await teardown.run();
  }
}

interface LoadResult {
  readonly requests: number;
  readonly accepted: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** autocannon: CONNECTIONS connections of POST /transactions, a new transaction each; at `rate` per second if given. */
async function load(
  url: string,
  body: () => string,
  options: { seconds: number; rate?: number; signal?: AbortSignal },
): Promise<LoadResult> {
  const instance = autocannon({
    url: `${url}/transactions`,
    connections: CONNECTIONS,
    duration: options.seconds,
    pipelining: 1,
    ...(options.rate ? { overallRate: options.rate } : {}),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
  });
  const stop = (): void => instance.stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const r = await instance;
    const accepted = r.statusCodeStats['202']?.count ?? 0;
    const answered = Object.values(r.statusCodeStats).reduce((a, s) => a + (s?.count ?? 0), 0);
    return {
      requests: answered + r.errors + r.timeouts,
      accepted,
      errors: answered - accepted + r.errors + r.timeouts,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
    };
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}

/**
 * Resident size from /proc; heap in use, heap held and external memory from the app's /metrics
 * (prom-client's default metrics): what of the resident size is V8's and what is not.
 */
async function sample(pid: number | undefined, url: string): Promise<Omit<MemorySample, 'at'> | null> {
  if (pid === undefined) return null;
  let rssMb: number;
  try {
    rssMb = rssMiB(pid);
  } catch {
    return null;
  }
  let text = '';
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(4000) });
    text = await res.text();
  } catch {
    // the app too busy to answer in time: the resident size alone for this sample
  }
  const mb = (metric: string): number | null => {
    const value = new RegExp(`^${metric}(?:\\{[^}]*\\})?\\s+([\\d.e+]+)`, 'm').exec(text)?.[1];
    return value === undefined ? null : Number(value) / 1024 / 1024;
  };
  return {
    rssMb,
    heapMb: mb('nodejs_heap_size_used_bytes'),
    heapTotalMb: mb('nodejs_heap_size_total_bytes'),
    externalMb: mb('nodejs_external_memory_bytes'),
  };
}

async function topicEnds(kafka: Kafka): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(TOPIC)).map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / points.length;
  const my = points.reduce((a, [, y]) => a + y, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The mean of each minute's samples, in order: whether memory levels off or keeps climbing. */
function byMinute(samples: readonly MemorySample[], value: (m: MemorySample) => number | null): string {
  const minutes = new Map<number, number[]>();
  for (const m of samples) {
    const v = value(m);
    if (v === null) continue;
    const minute = Math.floor(m.at / 60);
    const list = minutes.get(minute) ?? [];
    list.push(v);
    minutes.set(minute, list);
  }
  return [...minutes.values()].map((l) => (l.reduce((a, b) => a + b, 0) / l.length).toFixed(0)).join(' ');
}

export function formatSoak(r: SoakResult): string[] {
  const first = r.memory[0];
  const last = r.memory.at(-1);
  const mb = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${x.toFixed(0)} MB`);
  return [
    `soak drill ${r.idPrefix}*: ${r.ratePerSecond}/s (80 % of the ${r.maxPerSecond}/s measured) for ${(r.seconds / 60).toFixed(1)} min`,
    `requests ${r.requests}: ${r.accepted} accepted (202, ${Math.round(r.accepted / r.seconds)}/s achieved), ${r.errors} errors; ` +
      `latency p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms; ` +
      `error lines in the app's log ${r.appErrorLines}`,
    `memory (${r.memory.length} samples): resident ${mb(first?.rssMb)} → ${mb(last?.rssMb)}, slope ${r.rssSlopeMbPerMin.toFixed(2)} MB/min; ` +
      `heap used ${mb(first?.heapMb)} → ${mb(last?.heapMb)}, slope ${r.heapSlopeMbPerMin === null ? '-' : r.heapSlopeMbPerMin.toFixed(2)} MB/min; ` +
      (r.memoryFlat ? 'flat' : 'NOT flat (grows ≥ 5 % of the mean per 10 min)'),
    `resident by minute (MB): ${byMinute(r.memory, (m) => m.rssMb)}`,
    `heap used by minute (MB): ${byMinute(r.memory, (m) => m.heapMb)}`,
    `heap held by V8 by minute (MB): ${byMinute(r.memory, (m) => m.heapTotalMb)}`,
    `external (Buffers) by minute (MB): ${byMinute(r.memory, (m) => m.externalMb)}`,
    `every group at lag 0 ${(r.catchUpMs / 1000).toFixed(1)} s after the load stopped`,
    ...formatVerdicts(r.verdicts),
    r.ok ? 'result: no errors, nothing lost or counted twice, memory flat' : 'result: FAILED',
  ];
}
