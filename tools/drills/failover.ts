// npm run drill -- broker-kill: kills (kill -9) the leader of a partition of `transactions` on the
// local three-node cluster while clients post to the built monolith, round after round, then reads
// the log back and checks that every answer was true of it, and that each consumer group applied
// every transaction of the log exactly once (tools/drills/README.md).
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { topicSpec, Topics } from '@nurt/contracts';
import type { PartitionMetadata } from 'kafkajs';
import { createScratchDatabase } from '../../test/support/databases.js';
import { freePort } from '../../test/support/net.js';
import { startBuiltApp, waitForHttp, type AppProcess } from '../../test/support/process.js';
import { runId } from '../../test/support/wait.js';
import {
  CLUSTER_BROKERS,
  CLUSTER_NODES,
  clusterKafka,
  clusterState,
  describePartition,
  endOffsets,
  isClusterNode,
  kafkaShOrThrow,
  partitionStates,
  REPLICATION_FACTOR,
  waitForFullIsr,
  type ClusterNode,
} from './cluster.js';
import {
  DRILL_GROUPS,
  formatVerdicts,
  loggedTransactions,
  runStores,
  startGroupsAtEnd,
  verifyApplied,
  waitForLagZero,
  type GroupVerdict,
  type RunScope,
} from './applied.js';
import { buildApps, stopApp, Teardown } from './kit.js';
import { LoadClient, type Attempt } from './load.js';
import { readBack } from './readback.js';
import { verifyRun, type LogRecord, type Range, type Verification } from './verify.js';

const TOPIC = Topics.Transactions;
/** A killed node's next start waits for its old session to expire; catching up follows. */
const RECOVERY_TIMEOUT_MS = 180_000;
/** How long the service may take to acknowledge again once the cluster is whole. */
const SERVICE_TIMEOUT_MS = 120_000;
/** How long the consumer groups may take to apply the backlog once the load has stopped. */
const GROUPS_TIMEOUT_MS = 180_000;

export interface FailoverDrillOptions {
  readonly rounds: number;
  /** Transactions posted per second (default 50). */
  readonly rate?: number;
  /** Seconds of load before each kill (default 2). */
  readonly leadSeconds?: number;
  /** Seconds of load while the killed node is down, before it is started again (default 10). */
  readonly downSeconds?: number;
  /** Progress lines (default: stdout). */
  readonly log?: (line: string) => void;
  /** Aborting stops the drill early; everything it started is still cleaned up. */
  readonly signal?: AbortSignal;
  /** Where to write the app's output (kafkajs' warnings during the kills) at the end. */
  readonly appLogFile?: string;
  /**
   * Run the monolith (on a scratch PostgreSQL database) instead of the transactions app alone, and
   * check at the end that each of the three consumer groups applied every transaction of the log
   * exactly once.
   */
  readonly groups?: boolean;
}

/** One kill. Times are ms since the load started. */
export interface RoundResult {
  readonly round: number;
  readonly node: ClusterNode;
  /** Partitions the node led when it was killed. */
  readonly partitions: readonly number[];
  readonly killedAtMs: number;
  /** The longest time without any 202, from the kill to the first 202 after the node was started again. */
  readonly stallMs: number;
  /** The same, counting only 202s for partitions the killed node did not lead (null: it led them all). */
  readonly otherPartitionsStallMs: number | null;
  /** Attempts sent before the kill and answered after it. */
  readonly inFlightAtKill: number;
  /** Attempts sent before the node was back and answered after the kill that got a 503 or took 1 s or more. */
  readonly delayed: number;
  /** 503 answers from this kill to the next one, by outcome. */
  readonly unavailable: { readonly notWritten: number; readonly unknown: number };
  /** The slowest answer from this kill to the next one. */
  readonly maxLatencyMs: number;
  /** How long `kafka.sh cluster-start-node` took. */
  readonly restartMs: number;
  /** From the kill until every partition had three in-sync replicas again. */
  readonly recoveredMs: number;
  /**
   * From the kill until a request sent after that recovery was answered 202; null if none was
   * within SERVICE_TIMEOUT_MS (the service did not come back with the cluster).
   */
  readonly serviceBackMs: number | null;
}

export interface FailoverDrillResult extends Verification {
  readonly ok: boolean;
  readonly idPrefix: string;
  readonly rate: number;
  readonly rounds: readonly RoundResult[];
  /** Whether the drill started the cluster (and so stopped it). */
  readonly startedCluster: boolean;
  readonly ranges: ReadonlyMap<number, Range>;
  /** Of 202 answers: all of them, and those before the first kill (the cluster healthy). */
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly healthyLatency: { readonly p50: number; readonly p99: number; readonly max: number };
  /** The app's exit code after SIGTERM (0: it flushed and stopped cleanly). */
  readonly appExitCode: number | null;
  /** With `groups`: each group's view against the log, and how long the groups took to catch up after the load. */
  readonly groups?: { readonly verdicts: readonly GroupVerdict[]; readonly catchUpMs: number };
  readonly loadMs: number;
  readonly durationMs: number;
}

interface Settings {
  readonly rounds: number;
  readonly rate: number;
  readonly leadMs: number;
  readonly downMs: number;
  readonly signal: AbortSignal | undefined;
  readonly log: (line: string) => void;
  readonly clock: () => number;
}

interface Round {
  readonly round: number;
  readonly previous: readonly RoundTimes[];
  readonly down: { node: ClusterNode | null };
  readonly load: LoadClient;
}

interface RoundTimes {
  readonly round: number;
  readonly node: ClusterNode;
  readonly partitions: readonly number[];
  readonly killedAt: number;
  readonly restartAt: number;
  readonly backAt: number;
  readonly recoveredAt: number;
}

export async function runFailoverDrill(options: FailoverDrillOptions): Promise<FailoverDrillResult> {
  const begin = performance.now();
  const out = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const s: Settings = {
    rounds: options.rounds,
    rate: options.rate ?? 50,
    leadMs: (options.leadSeconds ?? 2) * 1000,
    downMs: (options.downSeconds ?? 10) * 1000,
    signal: options.signal,
    log: (line) => out(`[${((performance.now() - begin) / 1000).toFixed(1).padStart(6)} s] ${line}`),
    clock: () => performance.now(),
  };
  const teardown = new Teardown(s.log);
  try {
    const startedCluster = await ensureCluster(s, teardown);
    s.signal?.throwIfAborted();
    const appName = options.groups ? 'monolith' : 'transactions';
    await buildApps([appName], s.log);
    const idPrefix = `FO-${runId()}-`;
    const scope = options.groups ? await prepareGroups(idPrefix, s, teardown) : null;
    const app = await startApp(appName, scope?.env ?? {}, s, teardown);
    await checkTopic(s);
    const start = await endOffsets(TOPIC);

    const down: { node: ClusterNode | null } = { node: null };
    // A node the drill killed comes back even if the drill stops half-way (unless the cluster goes).
    if (!startedCluster) teardown.add('restart the killed node', () => restartIfDown(down.node, s));
    const load = new LoadClient({
      url: `${app.url}/transactions`,
      rate: s.rate,
      idPrefix,
      clock: s.clock,
      ...(scope ? { stores: scope.stores, customers: 40 } : {}),
    });
    teardown.add('cancel the load', () => load.cancel());
    s.log(`load: ${s.rate}/s to ${app.url}/transactions, ids ${idPrefix}<n>`);
    const loadStart = s.clock();
    load.start();
    const times = await killRounds(load, down, s);
    await sleep(s.leadMs, undefined, { signal: s.signal });
    s.log(`stopping the load; waiting for ${load.outstanding()} transaction(s) to get their final answer`);
    await load.stop();
    const loadEnd = s.clock();
    let catchUpMs = 0;
    if (scope) {
      s.log('groups: waiting until anti-fraud, reporting and recommendation have committed the end of the topic');
      catchUpMs = await waitForLagZero(
        clusterKafka('nurt-drill-lag'),
        DRILL_GROUPS.map((g) => `${g}${scope.groupSuffix}`),
        TOPIC,
        GROUPS_TIMEOUT_MS,
        s.signal,
      );
    }
    const appExitCode = await stopApp(app, s.log);
    if (options.appLogFile) writeFileSync(options.appLogFile, app.output());

    const { ranges, verification, records } = await readAndVerify(start, load, idPrefix, s);
    const groups = scope
      ? { verdicts: await verifyApplied(scope.databaseUrl, loggedTransactions(records, idPrefix), scope), catchUpMs }
      : undefined;
    const groupsOk =
      !groups || groups.verdicts.every((v) => v.lost === 0 && v.doubled === 0 && v.problems.length === 0);
    const attempts = [...load.transactions.values()].flatMap((tx) => tx.attempts);
    const rounds = roundResults(times, attempts, ranges.size, { start: loadStart, end: loadEnd });
    return {
      ...verification,
      ok: verification.violations.length === 0 && groupsOk && rounds.every((r) => r.serviceBackMs !== null),
      idPrefix,
      rate: s.rate,
      rounds,
      startedCluster,
      ranges,
      latency: latency(attempts),
      healthyLatency: latency(attempts.filter((a) => a.answeredAt < (times[0]?.killedAt ?? Infinity))),
      appExitCode,
      ...(groups ? { groups } : {}),
      loadMs: Math.round(loadEnd - loadStart),
      durationMs: Math.round(s.clock() - begin),
    };
  } finally {
    await teardown.run();
  }
}

async function killRounds(load: LoadClient, down: Round['down'], s: Settings): Promise<RoundTimes[]> {
  const times: RoundTimes[] = [];
  for (let round = 1; round <= s.rounds; round++) {
    times.push(await killRound({ round, previous: times, down, load }, s));
  }
  return times;
}

/** Reads back what was written since `start` (the end offsets before the load) and checks every answer against it. */
async function readAndVerify(
  start: ReadonlyMap<number, bigint>,
  load: LoadClient,
  idPrefix: string,
  s: Settings,
): Promise<{ ranges: Map<number, Range>; verification: Verification; records: LogRecord[] }> {
  const end = await endOffsets(TOPIC);
  const ranges = new Map([...end].map(([p, e]): [number, Range] => [p, { start: start.get(p) ?? 0n, end: e }]));
  s.log(`reading back ${TOPIC}: ${[...ranges].map(([p, r]) => `${p}:${r.start}..${r.end}`).join(' ')}`);
  const records = await readBack(clusterKafka('nurt-drill-readback'), {
    topic: TOPIC,
    groupId: `nurt-drill-failover-${idPrefix.slice(0, -1)}`,
    ranges,
  });
  const answers = new Map([...load.transactions].map(([id, tx]) => [id, tx.attempts]));
  return { ranges, records, verification: verifyRun({ topic: TOPIC, answers, records, ranges }) };
}

/** Starts the cluster unless it runs; registers its stop only if this drill started it. */
async function ensureCluster(s: Settings, teardown: Teardown): Promise<boolean> {
  const state = await clusterState();
  if (state === 'running') {
    s.log(`cluster: already running (${CLUSTER_BROKERS.join(',')}); it stays running afterwards`);
    return false;
  }
  s.log(state === 'stopped' ? 'cluster: starting three nodes' : 'cluster: some nodes down; starting them');
  // Registered first so that a start that fails half-way is stopped too.
  if (state === 'stopped') teardown.add('stop the cluster', () => stopCluster(s));
  await kafkaShOrThrow(['cluster-start']);
  return state === 'stopped';
}

async function stopCluster(s: Settings): Promise<void> {
  s.log('cluster: stopping (the drill started it)');
  await kafkaShOrThrow(['cluster-stop']);
}

async function restartIfDown(node: ClusterNode | null, s: Settings): Promise<void> {
  if (node === null) return;
  s.log(`cluster: starting node ${node} again, which the drill killed`);
  await kafkaShOrThrow(['cluster-start-node', String(node)]);
}

interface GroupsScope extends RunScope {
  readonly databaseUrl: string;
  readonly env: Record<string, string>;
}

/**
 * A scratch database (dropped at the end), the run's own group suffix with each group committed at
 * the end of the topic, and run-specific stores (two per partition) and customers.
 */
async function prepareGroups(idPrefix: string, s: Settings, teardown: Teardown): Promise<GroupsScope> {
  const db = await createScratchDatabase('nurt_drill');
  teardown.add('drop the scratch database', () => db.drop());
  const run = idPrefix.slice(0, -1);
  const groupSuffix = `-${run}`;
  const spec = topicSpec(TOPIC);
  await startGroupsAtEnd(
    CLUSTER_BROKERS,
    DRILL_GROUPS.map((g) => `${g}${groupSuffix}`),
    spec,
    REPLICATION_FACTOR,
  );
  s.log(`groups: anti-fraud, reporting, recommendation with suffix ${groupSuffix}, on ${db.url}`);
  return {
    databaseUrl: db.url,
    groupSuffix,
    customerPrefix: `${idPrefix}c`,
    stores: runStores(run, spec.partitions, 2),
    env: { DATABASE_URL: db.url, KAFKA_GROUP_SUFFIX: groupSuffix },
  };
}

async function startApp(
  name: string,
  env: Record<string, string>,
  s: Settings,
  teardown: Teardown,
): Promise<AppProcess> {
  const app = startBuiltApp(name, await freePort(), {
    ...env,
    KAFKA_BROKERS: CLUSTER_BROKERS.join(','),
    // The app's topic bootstrap creates `transactions` on a fresh cluster: with all three replicas.
    KAFKA_BOOTSTRAP_TOPICS: 'true',
    KAFKA_REPLICATION_FACTOR: String(REPLICATION_FACTOR),
  });
  teardown.add('stop the app', () => stopApp(app, s.log));
  s.log(`app: node dist/apps/${name}/main.js (pid ${app.child.pid}) on ${app.url}`);
  const exited = app.exited().then((code) => {
    throw new Error(`the app exited (${code}) before it was ready:\n${app.output().slice(-4000)}`);
  });
  // Only the race listens: the app exiting later, when it is stopped, is no error.
  exited.catch(() => undefined);
  await Promise.race([waitForHttp(`${app.url}/health/ready`, 200, 90_000), exited]);
  return app;
}

/** `transactions` must be replicated to all three nodes and in sync before anything is killed. */
async function checkTopic(s: Settings): Promise<void> {
  const states = await partitionStates(TOPIC);
  const short = states.filter((p) => p.replicas.length < REPLICATION_FACTOR);
  if (states.length === 0 || short.length > 0) {
    throw new Error(
      `${TOPIC} on the cluster must have ${REPLICATION_FACTOR} replicas per partition; found ` +
        `${states.length === 0 ? 'no partitions' : short.map(describePartition).join('; ')}. ` +
        `Delete the topic (or run kafka.sh cluster-stop && kafka.sh clean) and run the drill again.`,
    );
  }
  await waitForFullIsr(TOPIC, RECOVERY_TIMEOUT_MS, s.signal);
  s.log(`topic ${TOPIC}: ${states.length} partitions, ${REPLICATION_FACTOR} in-sync replicas each`);
}

/**
 * Load keeps flowing throughout: the kill, the node's absence, its restart and catching up. The
 * round ends once the service acknowledges again, so that the next kill meets a service that has
 * recovered from this one, and each round measures one failover.
 */
async function killRound({ round, previous, down, load }: Round, s: Settings): Promise<RoundTimes> {
  await sleep(s.leadMs, undefined, { signal: s.signal });
  const victim = pickVictim(await partitionStates(TOPIC), previous);
  s.log(`round ${round}/${s.rounds}: node ${victim.node} leads partitions ${victim.partitions.join(',')}; kill -9`);
  const killedAt = s.clock();
  down.node = victim.node;
  await kafkaShOrThrow(['cluster-kill-node', String(victim.node)]);
  await sleep(s.downMs, undefined, { signal: s.signal });
  const restartAt = s.clock();
  await kafkaShOrThrow(['cluster-start-node', String(victim.node)]);
  down.node = null;
  const backAt = s.clock();
  await waitForFullIsr(TOPIC, RECOVERY_TIMEOUT_MS, s.signal);
  const recoveredAt = s.clock();
  s.log(
    `round ${round}/${s.rounds}: node ${victim.node} answered ${seconds(backAt - restartAt)} after its start, ` +
      `all replicas in sync ${seconds(recoveredAt - killedAt)} after the kill`,
  );
  await waitForService(load, recoveredAt, round, s);
  return { round, node: victim.node, partitions: victim.partitions, killedAt, restartAt, backAt, recoveredAt };
}

async function waitForService(load: LoadClient, since: number, round: number, s: Settings): Promise<void> {
  const deadline = since + SERVICE_TIMEOUT_MS;
  while (!load.ackedSince(since)) {
    if (s.clock() > deadline) {
      s.log(
        `round ${round}/${s.rounds}: the service acknowledged nothing for ${seconds(SERVICE_TIMEOUT_MS)} after the cluster recovered`,
      );
      return;
    }
    await sleep(100, undefined, { signal: s.signal });
  }
}

/** The node leading the most partitions; on a tie, the one killed least often so far, then the lowest id. */
export function pickVictim(
  states: readonly PartitionMetadata[],
  previous: readonly { node: ClusterNode }[],
): { node: ClusterNode; partitions: number[] } {
  const led = new Map<ClusterNode, number[]>(CLUSTER_NODES.map((n) => [n, []]));
  for (const p of states) if (isClusterNode(p.leader)) led.get(p.leader)?.push(p.partitionId);
  const kills = (n: ClusterNode): number => previous.filter((r) => r.node === n).length;
  const leading = (n: ClusterNode): number => led.get(n)?.length ?? 0;
  const [node] = [...CLUSTER_NODES].sort((a, b) => leading(b) - leading(a) || kills(a) - kills(b) || a - b);
  if (node === undefined || leading(node) === 0) {
    throw new Error(
      `no node of the cluster leads a partition of ${TOPIC}: ${states.map(describePartition).join('; ')}`,
    );
  }
  return { node, partitions: led.get(node) ?? [] };
}

export function roundResults(
  times: readonly RoundTimes[],
  attempts: readonly Attempt[],
  partitionCount: number,
  load: { readonly start: number; readonly end: number },
): RoundResult[] {
  const { start: loadStart, end: loadEnd } = load;
  const accepted = attempts.filter((a) => a.status === 202).sort((a, b) => a.answeredAt - b.answeredAt);
  const acks = accepted.map((a) => a.answeredAt);
  return times.map((t, i) => {
    const others = accepted.filter((a) => !t.partitions.includes(partitionOf(a))).map((a) => a.answeredAt);
    const ledAll = t.partitions.length >= partitionCount;
    const back = accepted.find((a) => a.sentAt >= t.recoveredAt && a.answeredAt - t.recoveredAt <= SERVICE_TIMEOUT_MS);
    const nextKill = times[i + 1]?.killedAt ?? Infinity;
    const after = attempts.filter((a) => a.answeredAt > t.killedAt && a.answeredAt <= nextKill);
    const hit = attempts.filter((a) => a.sentAt < t.backAt && a.answeredAt > t.killedAt);
    return {
      round: t.round,
      node: t.node,
      partitions: t.partitions,
      killedAtMs: Math.round(t.killedAt - loadStart),
      stallMs: Math.round(longestAckGap(acks, t.killedAt, t.backAt, loadEnd)),
      otherPartitionsStallMs: ledAll ? null : Math.round(longestAckGap(others, t.killedAt, t.backAt, loadEnd)),
      inFlightAtKill: attempts.filter((a) => a.sentAt < t.killedAt && a.answeredAt > t.killedAt).length,
      delayed: hit.filter((a) => a.status === 503 || a.answeredAt - a.sentAt >= 1000).length,
      unavailable: {
        notWritten: after.filter((a) => a.status === 503 && outcomeOf(a) === 'not-written').length,
        unknown: after.filter((a) => a.status === 503 && outcomeOf(a) === 'unknown').length,
      },
      maxLatencyMs: Math.round(Math.max(0, ...after.map((a) => a.answeredAt - a.sentAt))),
      restartMs: Math.round(t.backAt - t.restartAt),
      recoveredMs: Math.round(t.recoveredAt - t.killedAt),
      serviceBackMs: back ? Math.round(back.answeredAt - t.killedAt) : null,
    };
  });
}

/**
 * The longest time between two consecutive 202 answers, among the gaps that end after `from`,
 * up to the first 202 after `until` (or the end of the load if none came).
 */
export function longestAckGap(sortedAcks: readonly number[], from: number, until: number, loadEnd: number): number {
  let previous = from;
  for (const t of sortedAcks) if (t <= from) previous = t;
  let longest = 0;
  for (const t of sortedAcks) {
    if (t <= from) continue;
    longest = Math.max(longest, t - previous);
    previous = t;
    if (t > until) return longest;
  }
  return Math.max(longest, loadEnd - previous);
}

function partitionOf(attempt: Attempt): number {
  const partition =
    typeof attempt.body === 'object' && attempt.body !== null
      ? (attempt.body as Record<string, unknown>).partition
      : undefined;
  return typeof partition === 'number' ? partition : -1;
}

function outcomeOf(attempt: Attempt): unknown {
  return typeof attempt.body === 'object' && attempt.body !== null
    ? (attempt.body as Record<string, unknown>).outcome
    : undefined;
}

function latency(attempts: readonly Attempt[]): FailoverDrillResult['latency'] {
  const ms = attempts
    .filter((a) => a.status === 202)
    .map((a) => a.answeredAt - a.sentAt)
    .sort((a, b) => a - b);
  const at = (q: number): number => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0);
  return { p50: at(0.5), p99: at(0.99), max: Math.round(ms.at(-1) ?? 0) };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatSummary(r: FailoverDrillResult): string[] {
  const lines = [
    `failover drill ${r.idPrefix}*: ${r.rounds.length} kill(s) at ${r.rate}/s; load ${seconds(r.loadMs)}, total ${seconds(r.durationMs)}`,
    `posted ${r.transactions} transactions in ${r.attempts} attempts: ${r.acknowledged} acknowledged (202), ` +
      `${r.acknowledgedAfterRetry} of them after a 503; 503 answers: ${r.unavailable.notWritten} not-written, ` +
      `${r.unavailable.unknown} unknown`,
    `acknowledged after a 503 unknown: ${r.acknowledgedAfterUnknown.total}, ` +
      `${r.acknowledgedAfterUnknown.duplicated} of them in the log twice or more (the unknown attempt was written)`,
    `gave up after only 503s: ${r.gaveUp.total} (${r.gaveUp.onlyNotWritten} only not-written; ${r.gaveUp.inLog} in the log anyway)`,
    `log: ${r.recordsRead} records read, ${r.duplicates.transactions} transactions duplicated ` +
      `(${r.duplicates.extraCopies} extra copies), ${r.foreignRecords} foreign records`,
    `202 latency: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms ` +
      `(before the first kill: p50 ${r.healthyLatency.p50} ms, p99 ${r.healthyLatency.p99} ms); app exit code ${r.appExitCode}`,
    ...r.rounds.map(
      (k) =>
        `round ${k.round}: node ${k.node} killed at ${seconds(k.killedAtMs)} (led ${k.partitions.join(',')}); ` +
        `stall ${seconds(k.stallMs)} (other partitions ${k.otherPartitionsStallMs === null ? 'none' : seconds(k.otherPartitionsStallMs)}), in flight at the kill ${k.inFlightAtKill}, delayed ${k.delayed}, ` +
        `503s ${k.unavailable.notWritten} not-written + ${k.unavailable.unknown} unknown, slowest ${seconds(k.maxLatencyMs)}; restart ${seconds(k.restartMs)}, ` +
        `in sync ${seconds(k.recoveredMs)} and 202s again ${k.serviceBackMs === null ? 'never' : seconds(k.serviceBackMs)} after the kill`,
    ),
    ...(r.groups
      ? [
          `consumer groups (caught up ${seconds(r.groups.catchUpMs)} after the load stopped):`,
          ...formatVerdicts(r.groups.verdicts).map((l) => `  ${l}`),
        ]
      : []),
    `violations: ${r.violations.length}`,
  ];
  const kinds = new Map<string, number>();
  for (const v of r.violations) kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
  if (kinds.size > 0) lines.push(`  by kind: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  for (const v of r.violations.slice(0, 20)) lines.push(`  ${v.kind}${v.id ? ` ${v.id}` : ''}: ${v.detail}`);
  if (r.violations.length > 20) lines.push(`  … and ${r.violations.length - 20} more`);
  return lines;
}
