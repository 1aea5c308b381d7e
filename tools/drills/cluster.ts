// The local three-node cluster as the failover drill drives it: tools/kafka/kafka.sh for the
// nodes' lives, a plain kafkajs admin for what the cluster says about leaders and replicas.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import type { Admin, Kafka, PartitionMetadata } from 'kafkajs';
import { repoRoot } from '../../test/support/process.js';

/**
 * Node N is broker N and listens on 127.0.0.1:<KAFKA_CLUSTER_BASE_PORT + (N-1)*100>, as kafka.sh
 * (which inherits this process's environment) starts it: 9192, 9292, 9392 by default.
 */
export const CLUSTER_NODES = [1, 2, 3] as const;
export type ClusterNode = (typeof CLUSTER_NODES)[number];
const CLUSTER_BASE_PORT = Number(process.env.KAFKA_CLUSTER_BASE_PORT || 9192);
export const CLUSTER_BROKERS: readonly string[] = CLUSTER_NODES.map(
  (n) => `127.0.0.1:${CLUSTER_BASE_PORT + (n - 1) * 100}`,
);
export const REPLICATION_FACTOR = CLUSTER_NODES.length;

export function isClusterNode(id: number): id is ClusterNode {
  return (CLUSTER_NODES as readonly number[]).includes(id);
}

export interface ShellResult {
  readonly code: number;
  readonly output: string;
}

/**
 * `bash tools/kafka/kafka.sh <args>`, with this process's environment plus `env` (e.g. another
 * NURT_KAFKA_HOME or base port). Never aborted half-way: a node left half-started would be worse
 * than the few seconds the script takes (its own timeouts bound it).
 */
export function kafkaSh(args: readonly string[], env: Record<string, string> = {}): Promise<ShellResult> {
  return new Promise((done) => {
    execFile(
      'bash',
      [resolve(repoRoot, 'tools/kafka/kafka.sh'), ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, output: `${stdout}${stderr}`.trimEnd() });
      },
    );
  });
}

/** Like kafkaSh, but a non-zero exit is an error that carries the script's output. */
export async function kafkaShOrThrow(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const result = await kafkaSh(args, env);
  if (result.code !== 0) throw new Error(`kafka.sh ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  return result.output;
}

export type ClusterState = 'running' | 'partial' | 'stopped';

/** `kafka.sh cluster-status`: exit 0 = all three nodes run, 3 = none, 4 = some. */
export async function clusterState(): Promise<ClusterState> {
  const { code, output } = await kafkaSh(['cluster-status']);
  if (code === 0) return 'running';
  if (code === 3) return 'stopped';
  if (code === 4) return 'partial';
  throw new Error(`kafka.sh cluster-status exited ${code}:\n${output}`);
}

export function clusterKafka(clientId: string): Kafka {
  return new kafkajs.Kafka({
    clientId,
    brokers: [...CLUSTER_BROKERS],
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 3000,
  });
}

/**
 * A fresh admin per question: one that stays connected keeps talking to whichever broker it
 * first met, and the drill kills brokers.
 */
export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = clusterKafka('nurt-drill-admin').admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function partitionStates(topic: string): Promise<PartitionMetadata[]> {
  const { topics } = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [topic] }));
  const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
  return [...partitions].sort((a, b) => a.partitionId - b.partitionId);
}

function fullyReplicated(p: PartitionMetadata): boolean {
  return p.leader >= 0 && p.replicas.length === REPLICATION_FACTOR && p.isr.length === REPLICATION_FACTOR;
}

/**
 * Waits until every partition of `topic` has a leader and all three replicas in sync. Errors on
 * the way count as "not yet": right after a kill or a start the brokers disagree for a moment.
 */
export async function waitForFullIsr(topic: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const states = await partitionStates(topic);
      const lagging = states.filter((p) => !fullyReplicated(p));
      if (states.length > 0 && lagging.length === 0) return;
      last = states.length === 0 ? `${topic} has no partitions` : lagging.map(describePartition).join('; ');
    } catch (err: unknown) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${topic}: not every partition has ${REPLICATION_FACTOR} in-sync replicas after ${timeoutMs} ms (${last})`,
      );
    }
    await sleep(300, undefined, { signal });
  }
}

export function describePartition(p: PartitionMetadata): string {
  return `partition ${p.partitionId}: leader ${p.leader}, replicas [${p.replicas.join(',')}], isr [${p.isr.join(',')}]`;
}

/** The high watermark of each partition: the offset the next acknowledged record will get. */
export async function endOffsets(topic: string): Promise<Map<number, bigint>> {
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}
