// npm run drill -- worker-kill: split mode, two instances of each consumer group's service on
// PostgreSQL, transactions streaming into `transactions`; each round kill -9 one instance
// mid-stream and start it again. At the end every group must be back to lag 0 with every
// transaction applied exactly once (tools/drills/README.md).
import { setTimeout as sleep } from 'node:timers/promises';
import { topicSpec, Topics } from '@nurt/contracts';
import { KafkaProducer, loadKafkaEnv } from '@nurt/kafka';
import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { createScratchDatabase } from '../../test/support/databases.js';
import { freePort } from '../../test/support/net.js';
import { startBuiltApp, waitForHttp, type AppProcess } from '../../test/support/process.js';
import { runId } from '../../test/support/wait.js';
import {
  DRILL_GROUPS,
  formatVerdicts,
  groupLags,
  runStores,
  startGroupsAtEnd,
  verifyApplied,
  waitForLagZero,
  type GroupVerdict,
  type LoggedTransaction,
} from './applied.js';
import { buildApps, ensureBroker, stopApp, Teardown, type DrillLog } from './kit.js';

const TOPIC = Topics.Transactions;
const SERVICES = [
  { service: 'fraud', group: 'anti-fraud' },
  { service: 'reporting', group: 'reporting' },
  { service: 'recommendation', group: 'recommendation' },
] as const;
type Service = (typeof SERVICES)[number]['service'];
const REJOIN_TIMEOUT_MS = 120_000;
const CATCH_UP_TIMEOUT_MS = 240_000;
const CUSTOMERS = 60;

export interface WorkerKillOptions {
  readonly rounds: number;
  /** Transactions written per second while the drill runs (default 300). */
  readonly rate?: number;
  /** Instances of each service (default 2). */
  readonly instances?: number;
  /** Seconds of streaming before each kill (default 3). */
  readonly leadSeconds?: number;
  /** The consumer's session timeout for the apps (default: the apps' own, 30 s). */
  readonly sessionTimeoutMs?: number;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface WorkerKillRound {
  readonly round: number;
  readonly service: Service;
  readonly instance: number;
  /** Records the group still had to apply when the instance was killed. */
  readonly lagAtKill: bigint;
  /** From the kill until the restarted instance answered HTTP. */
  readonly httpMs: number;
  /** From the kill until the group was stable again with every instance a member. */
  readonly rejoinedMs: number;
}

export interface WorkerKillResult {
  readonly ok: boolean;
  readonly idPrefix: string;
  readonly written: number;
  readonly rounds: readonly WorkerKillRound[];
  /** From the end of the stream until every group had committed the end of the topic. */
  readonly catchUpMs: number;
  readonly verdicts: readonly GroupVerdict[];
  readonly durationMs: number;
}

interface Worker {
  readonly service: Service;
  readonly instance: number;
  app: AppProcess;
}

export async function runWorkerKillDrill(options: WorkerKillOptions): Promise<WorkerKillResult> {
  const begin = performance.now();
  const out = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log: DrillLog = (line) => out(`[${((performance.now() - begin) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const rate = options.rate ?? 300;
  const instances = options.instances ?? 2;
  const signal = options.signal;
  const teardown = new Teardown(log);
  try {
    const brokers = await ensureBroker(log, teardown);
    await buildApps(
      SERVICES.map((s) => s.service),
      log,
    );
    const db = await createScratchDatabase('nurt_drill');
    teardown.add('drop the scratch database', () => db.drop());
    const run = runId();
    const idPrefix = `WK-${run}-`;
    const groupSuffix = `-wk-${run}`;
    const groups = DRILL_GROUPS.map((g) => `${g}${groupSuffix}`);
    const kafka = new kafkajs.Kafka({ clientId: 'nurt-drill', brokers, logLevel: kafkajs.logLevel.NOTHING });
    const spec = topicSpec(TOPIC);
    await startGroupsAtEnd(brokers, groups, spec, 1);
    const stores = runStores(run, spec.partitions, 2);
    const env: Record<string, string> = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_GROUP_SUFFIX: groupSuffix,
      ...(options.sessionTimeoutMs ? { KAFKA_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs) } : {}),
    };

    const workers: Worker[] = [];
    teardown.add('stop the workers', () => Promise.all(workers.map((w) => stopApp(w.app, log))));
    const start = async (service: Service, instance: number): Promise<AppProcess> => {
      const app = startBuiltApp(service, await freePort(), env);
      await waitForHttp(`${app.url}/health`, 200, 90_000).catch((err: unknown) => {
        throw new Error(`${service} #${instance} did not come up: ${String(err)}\n${app.output().slice(-3000)}`);
      });
      return app;
    };
    log(`workers: ${instances} each of ${SERVICES.map((s) => s.service).join(', ')} on ${db.url}`);
    for (const { service } of SERVICES) {
      for (let i = 1; i <= instances; i++) {
        const worker: Worker = { service, instance: i, app: await start(service, i) };
        workers.push(worker);
      }
    }
    for (const { group } of SERVICES) await waitForMembers(kafka, `${group}${groupSuffix}`, instances, signal);
    log(`workers: every group stable with ${instances} members`);

    const stream = new Stream(KafkaProducer.standalone(loadKafkaEnv({ ...process.env, ...env }), 'drill'), {
      rate,
      idPrefix,
      stores,
      log,
    });
    teardown.add('stop the stream', () => stream.stop());
    stream.start();
    log(`stream: ${rate}/s to ${TOPIC}, ids ${idPrefix}<n>, ${stores.length} stores, ${CUSTOMERS} customers`);

    const rounds: WorkerKillRound[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      await sleep((options.leadSeconds ?? 3) * 1000, undefined, { signal });
      // Round 1 a fraud instance, round 2 a reporting one, round 3 recommendation, then the next instances.
      const service = SERVICES[(round - 1) % SERVICES.length]?.service;
      const instance = (Math.floor((round - 1) / SERVICES.length) % instances) + 1;
      const victim = workers.find((w) => w.service === service && w.instance === instance);
      if (!victim) throw new Error('no workers');
      const group = `${SERVICES.find((s) => s.service === victim.service)?.group ?? ''}${groupSuffix}`;
      const lagAtKill = (await groupLagOf(kafka, group)) ?? 0n;
      log(
        `round ${round}/${options.rounds}: kill -9 ${victim.service} #${victim.instance} (pid ${victim.app.child.pid}), its group's lag ${lagAtKill}`,
      );
      const killedAt = performance.now();
      await victim.app.stop('SIGKILL');
      victim.app = await start(victim.service, victim.instance);
      const httpMs = performance.now() - killedAt;
      await waitForMembers(kafka, group, instances, signal);
      const rejoinedMs = performance.now() - killedAt;
      log(
        `round ${round}/${options.rounds}: ${victim.service} #${victim.instance} answered HTTP ${(httpMs / 1000).toFixed(1)} s ` +
          `and its group was whole again ${(rejoinedMs / 1000).toFixed(1)} s after the kill`,
      );
      rounds.push({
        round,
        service: victim.service,
        instance: victim.instance,
        lagAtKill,
        httpMs: Math.round(httpMs),
        rejoinedMs: Math.round(rejoinedMs),
      });
    }

    await stream.stop();
    log(`stream: stopped after ${stream.written.size} transactions; waiting for every group to reach lag 0`);
    const catchUpMs = await waitForLagZero(kafka, groups, TOPIC, CATCH_UP_TIMEOUT_MS, signal);
    const verdicts = await verifyApplied(db.url, [...stream.written.values()], {
      stores,
      customerPrefix: `${idPrefix}c`,
      groupSuffix,
    });
    return {
      ok: verdicts.every((v) => v.lost === 0 && v.doubled === 0 && v.problems.length === 0),
      idPrefix,
      written: stream.written.size,
      rounds,
      catchUpMs,
      verdicts,
      durationMs: Math.round(performance.now() - begin),
    };
  } finally {
    await teardown.run();
  }
}

/** Waits until the group is Stable with `members` members (a restarted instance has joined). */
async function waitForMembers(kafka: Kafka, group: string, members: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + REJOIN_TIMEOUT_MS;
  let last: string;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const { groups } = await admin.describeGroups([group]);
      const g = groups[0];
      last = `${g?.state ?? 'unknown'} with ${g?.members.length ?? 0} members`;
      if (g?.state === 'Stable' && g.members.length === members) return;
    } catch (err: unknown) {
      last = err instanceof Error ? err.message : String(err);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`group ${group} not stable with ${members} members: ${last}`);
    await sleep(250, undefined, { signal });
  }
}

async function groupLagOf(kafka: Kafka, group: string): Promise<bigint | undefined> {
  return (await groupLags(kafka, [group], TOPIC)).get(group);
}

/**
 * Writes transactions at a steady rate through nurt's producer (acks=all), keyed by store; a write
 * that fails is written again with the same id (a copy is applied once). `written` holds every
 * transaction Kafka acknowledged.
 */
class Stream {
  readonly written = new Map<string, LoggedTransaction>();
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private startedAt = 0;
  private sending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly producer: KafkaProducer,
    private readonly options: { rate: number; idPrefix: string; stores: readonly string[]; log: DrillLog },
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => {
      // One batch at a time: a slow acknowledgement delays the next batch, it does not pile up.
      this.sending = this.sending.then(() => this.tick());
    }, 50);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.sending;
    await this.producer.onApplicationShutdown();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.options.rate);
    const batch: LoggedTransaction[] = [];
    for (; this.next < due; this.next++) batch.push(this.transaction(this.next));
    if (batch.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.sendBatch(
          batch.map((t) => ({
            topic: TOPIC,
            key: t.store,
            value: {
              id: t.id,
              amount: Number(t.cents) / 100,
              store: t.store,
              type: 'purchase',
              customerId: t.customerId,
            },
          })),
        );
        for (const t of batch) this.written.set(t.id, t);
        return;
      } catch (err: unknown) {
        this.options.log(`stream: write failed (attempt ${attempt}), writing again: ${String(err)}`);
        await sleep(500);
      }
    }
  }

  private transaction(n: number): LoggedTransaction {
    const { idPrefix, stores } = this.options;
    return {
      id: `${idPrefix}${n}`,
      store: stores[n % stores.length] ?? 'Warsaw',
      customerId: `${idPrefix}c${n % CUSTOMERS}`,
      cents: BigInt(1000 + ((n * 7919) % 250_000)),
    };
  }
}

export function formatWorkerKill(r: WorkerKillResult): string[] {
  const avg = (xs: readonly number[]): string =>
    xs.length === 0 ? '-' : `${(xs.reduce((a, b) => a + b, 0) / xs.length / 1000).toFixed(1)} s`;
  const max = (xs: readonly number[]): string => (xs.length === 0 ? '-' : `${(Math.max(...xs) / 1000).toFixed(1)} s`);
  return [
    `worker-kill drill ${r.idPrefix}*: ${r.rounds.length} kill(s), ${r.written} transactions written, total ${(r.durationMs / 1000).toFixed(1)} s`,
    `restarted instance answered HTTP: mean ${avg(r.rounds.map((k) => k.httpMs))}, max ${max(r.rounds.map((k) => k.httpMs))}; ` +
      `group whole again: mean ${avg(r.rounds.map((k) => k.rejoinedMs))}, max ${max(r.rounds.map((k) => k.rejoinedMs))}`,
    ...r.rounds.map(
      (k) =>
        `round ${k.round}: ${k.service} #${k.instance} killed with lag ${k.lagAtKill}; HTTP ${(k.httpMs / 1000).toFixed(1)} s, ` +
        `group whole ${(k.rejoinedMs / 1000).toFixed(1)} s`,
    ),
    `every group at lag 0 ${(r.catchUpMs / 1000).toFixed(1)} s after the stream stopped`,
    ...formatVerdicts(r.verdicts),
    r.ok ? 'result: nothing lost, nothing counted twice' : 'result: FAILED',
  ];
}
