// Replication: each partition lives on several brokers, one leader and its followers; acks=all
// acknowledges a record once every in-sync replica has it, so killing the leader loses nothing
// acknowledged: a follower in the ISR takes over. Runs on a three-node cluster of its own.
import { existsSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { Admin, Kafka, PartitionMetadata } from 'kafkajs';
import { explain, LabScope, runPrefix, seen, sleep, table, waitFor, type Cleaned, type Lab } from './kit.js';
import { startCluster, type LocalKafka } from './local-kafka.js';

export interface PartitionState {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface ReplicationEvidence {
  readonly topic: string;
  readonly brokers: readonly string[];
  readonly stateDir: string;
  readonly clusterStartMs: number;
  readonly before: readonly PartitionState[];
  /** The partition whose leader was killed, the node (= broker id) killed, and its pid. */
  readonly killed: { readonly partition: number; readonly node: number; readonly pid: number };
  /** From kill -9 to another broker leading that partition. */
  readonly electionMs: number;
  readonly afterKill: readonly PartitionState[];
  /** From the restart command to every partition with three in-sync replicas again. */
  readonly fullIsrMs: number;
  readonly afterRestart: readonly PartitionState[];
  /** Every record the cluster acknowledged (acks=all): where it said it wrote it. */
  readonly acknowledged: readonly { readonly partition: number; readonly offset: number; readonly value: string }[];
  /** Sends the cluster did not acknowledge (after the client's retries). */
  readonly unacknowledged: number;
  /** Acknowledged while the killed node was down (between the kill and its restart). */
  readonly acknowledgedWhileDown: number;
  /** Longest time between two acknowledgements, per partition. */
  readonly longestStallMs: readonly { readonly partition: number; readonly ms: number }[];
  /** Acknowledged records not found at their partition and offset when read back (must be none). */
  readonly missing: readonly string[];
  readonly readBack: number;
  /** After the cleanup: whether the state dir still exists. */
  readonly stateDirRemoved: boolean;
  readonly cleaned: Cleaned;
}

const PARTITIONS = 3;
const REPLICATION_FACTOR = 3;
const MIN_INSYNC = 2;

const clusterClient = (brokers: readonly string[], clientId: string): Kafka =>
  new kafkajs.Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });

/**
 * What the cluster says about each partition, from a fresh admin on the given brokers: one that
 * stays connected keeps asking the broker it met first, which may be the one just killed.
 */
async function partitionStates(brokers: readonly string[], topic: string): Promise<PartitionState[]> {
  const admin: Admin = clusterClient(brokers, 'nurt-lab-replication-admin').admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return (topics[0]?.partitions ?? [])
      .map((p: PartitionMetadata) => ({
        partition: p.partitionId,
        leader: p.leader,
        replicas: [...p.replicas].sort(),
        isr: [...p.isr].sort(),
      }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Polls partitionStates until `done` holds; errors count as "not yet" (brokers disagree for a moment). */
async function waitForStates(
  brokers: readonly string[],
  topic: string,
  what: string,
  done: (states: PartitionState[]) => boolean,
  timeoutMs: number,
): Promise<PartitionState[]> {
  let states: PartitionState[] = [];
  await waitFor(
    what,
    async () => {
      try {
        states = await partitionStates(brokers, topic);
        return states.length === PARTITIONS && done(states);
      } catch {
        return false;
      }
    },
    timeoutMs,
  );
  return states;
}

function stateTable(states: readonly PartitionState[], note?: (s: PartitionState) => string): string[] {
  return table(
    ['partition', 'leader', 'replicas', 'in-sync replicas (ISR)', ...(note ? [''] : [])],
    states.map((s) => [
      s.partition,
      s.leader < 0 ? 'none' : `broker ${s.leader}`,
      s.replicas.join(','),
      s.isr.join(','),
      ...(note ? [note(s)] : []),
    ]),
  );
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export const replication: Lab<ReplicationEvidence> = {
  name: 'replication',
  summary:
    'its own 3-broker cluster: acks=all writes, kill -9 a partition leader, watch election and ISR; nothing acked lost',
  async run({ log, short }) {
    const prefix = runPrefix('replication');
    const topic = `${prefix}-transactions`;
    let cluster: LocalKafka | undefined;
    let stop: (() => Promise<void>) | undefined;
    let stateDir = '';
    let producing = true;
    // The scope's client dials the cluster once it runs; its first cleanup step stops the cluster.
    let brokers: string[] = [];
    const scope = new LabScope(
      new kafkajs.Kafka({
        clientId: prefix,
        brokers: () => brokers,
        logLevel: kafkajs.logLevel.NOTHING,
        connectionTimeout: 1000,
        retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
      }),
      log,
    );
    scope.defer('the lab cluster', async () => {
      if (!stop) return;
      const t0 = Date.now();
      await stop();
      log(`cleanup: stopped the lab's three nodes and deleted ${stateDir} (${seconds(Date.now() - t0)})`);
    });
    try {
      explain(
        log,
        "Start a three-node cluster of the lab's own",
        'Three Kafka nodes (each broker and controller) from tools/kafka/kafka.sh, in a temporary state dir on',
        'free ports, beside any other broker or cluster on this machine. Replication needs several brokers: a',
        'partition is stored on replication-factor of them, one the leader (it takes the writes and reads),',
        'the others followers that copy from it.',
      );
      cluster = await startCluster('lab-replication', (s) => (stop = s));
      stateDir = cluster.stateDir;
      brokers = [...cluster.brokers];
      for (const line of cluster.output.split('\n').filter((l) => /ready|starting node/.test(l))) log(`   ${line}`);
      log(`   cluster up in ${seconds(cluster.startMs)}: ${brokers.join(', ')} (state ${stateDir})`);
      const nodePort = (node: number): string => brokers[node - 1] ?? '?';
      await scope.connect();

      explain(
        log,
        `Create ${topic}: ${PARTITIONS} partitions, replication factor ${REPLICATION_FACTOR}, min.insync.replicas=${MIN_INSYNC}`,
        'The ISR (in-sync replicas) are the replicas that have everything the leader has. A producer with',
        `acks=all gets its acknowledgement once every replica in the ISR has the record, and the broker refuses`,
        `the write if fewer than min.insync.replicas (${MIN_INSYNC}) are in sync: an acknowledged record is on at least two brokers.`,
      );
      scope.topics.push(topic);
      // No waitForLeaders: kafkajs' wait gives up when the broker it asks does not know the new
      // topic yet (UNKNOWN_TOPIC_OR_PARTITION, seen on a busy machine); the wait below asks every
      // broker afresh until each partition has a leader and three in-sync replicas.
      await scope.admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: PARTITIONS,
            replicationFactor: REPLICATION_FACTOR,
            configEntries: [{ name: 'min.insync.replicas', value: String(MIN_INSYNC) }],
          },
        ],
      });
      const before = await waitForStates(
        brokers,
        topic,
        'every partition with a leader and three in-sync replicas',
        (states) => states.every((s) => s.leader >= 0 && s.isr.length === REPLICATION_FACTOR),
        30_000,
      );
      for (const line of stateTable(before)) log(`   ${line}`);

      const victimPartition = 0;
      const victim = before.find((s) => s.partition === victimPartition)?.leader ?? -1;
      explain(
        log,
        `Produce with acks=all, and kill -9 broker ${victim} (${nodePort(victim)}), the leader of partition ${victimPartition}`,
        `One send loop per partition, one record at a time, each acknowledgement (partition, offset) recorded.`,
        `Broker ${victim} also leads or follows other partitions. A killed broker says no goodbye: the controller`,
        'notices it from missed heartbeats (broker.session.timeout.ms, 3 s in tools/kafka/cluster-node.properties),',
        'fences it, removes it from every ISR and makes another in-sync replica the leader of what it led.',
      );
      const producer = scope.kafka.producer({
        allowAutoTopicCreation: false,
        retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 },
      });
      scope.defer('producer', () => producer.disconnect());
      await producer.connect();
      const acknowledged: { partition: number; offset: number; value: string; at: number }[] = [];
      let unacknowledged = 0;
      const loops = Array.from({ length: PARTITIONS }, async (_, partition) => {
        for (let seq = 0; producing; seq++) {
          const value = `p${partition}-${seq}`;
          try {
            const [ack] = await producer.send({ topic, acks: -1, messages: [{ partition, value }] });
            if (ack) acknowledged.push({ partition, offset: Number(ack.baseOffset ?? -1), value, at: Date.now() });
          } catch {
            unacknowledged++;
          }
          await sleep(short ? 20 : 40);
        }
      });
      await waitFor('acknowledgements on every partition', () =>
        Array.from({ length: PARTITIONS }, (_, p) => p).every((p) => acknowledged.some((a) => a.partition === p)),
      );
      await sleep(short ? 500 : 2000);
      const ackedBeforeKill = acknowledged.length;
      const killOutput = await cluster.sh(['cluster-kill-node', String(victim)]);
      const killedAt = Date.now();
      const pid = Number(/pid (\d+)/.exec(killOutput)?.[1] ?? -1);
      log(`   ${ackedBeforeKill} records acknowledged; ${killOutput.trim()}`);
      const living = brokers.filter((_, i) => i + 1 !== victim);
      const afterKill = await waitForStates(
        living,
        topic,
        `a new leader for partition ${victimPartition}`,
        (states) =>
          states.every((s) => s.leader >= 0 && s.leader !== victim && !s.isr.includes(victim)) &&
          states.some((s) => s.partition === victimPartition),
        60_000,
      );
      const electionMs = Date.now() - killedAt;
      log(`   elected after ${seconds(electionMs)} (polled every 0.1 s); the cluster now says:`);
      for (const line of stateTable(afterKill, (s) =>
        s.partition === victimPartition ? `was led by broker ${victim}` : '',
      ))
        log(`   ${line}`);
      log(
        `   the ISR shrank to ${afterKill.map((s) => s.isr.length).join('/')} replicas: still >= min.insync.replicas (${MIN_INSYNC}), so acks=all writes go on.`,
      );
      await sleep(short ? 500 : 3000);
      const restartAt = Date.now();
      const ackedWhenRestarting = acknowledged.filter((a) => a.at >= killedAt).length;

      explain(
        log,
        `Restart broker ${victim}`,
        'It comes back as a follower: it truncates what the new leader does not have, fetches what it missed,',
        'and rejoins the ISR once it has caught up. (Leadership moves back to it later: preferred-leader',
        'election, checked every 10 s in this cluster.)',
      );
      await cluster.sh(['cluster-start-node', String(victim)]);
      const nodeBackMs = Date.now() - restartAt;
      const afterRestart = await waitForStates(
        brokers,
        topic,
        'three in-sync replicas on every partition',
        (states) => states.every((s) => s.leader >= 0 && s.isr.length === REPLICATION_FACTOR),
        90_000,
      );
      const fullIsrMs = Date.now() - restartAt;
      log(`   node answering after ${seconds(nodeBackMs)}, full ISR after ${seconds(fullIsrMs)}:`);
      for (const line of stateTable(afterRestart)) log(`   ${line}`);
      producing = false;
      await Promise.all(loops);

      explain(
        log,
        'Read the topic back and look up every acknowledged record',
        'A new consumer group reads all three partitions from the beginning up to their end offsets.',
      );
      const ends = await scope.admin.fetchTopicOffsets(topic);
      const wanted = ends.reduce((n, o) => n + Number(o.high), 0);
      const stored = new Map<string, string>();
      const consumer = scope.consumer({ groupId: `${prefix}-readback` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          const r = seen(partition, message);
          stored.set(`${r.partition}/${r.offset}`, r.value);
          return Promise.resolve();
        },
      });
      await waitFor(`${wanted} records read back`, () => stored.size >= wanted, 60_000);
      await consumer.disconnect();
      const missing = acknowledged
        .filter((a) => stored.get(`${a.partition}/${a.offset}`) !== a.value)
        .map((a) => `${a.value}@${a.partition}/${a.offset}`);
      const longestStallMs = Array.from({ length: PARTITIONS }, (_, partition) => {
        const times = acknowledged.filter((a) => a.partition === partition).map((a) => a.at);
        const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
        return { partition, ms: Math.max(0, ...gaps) };
      });
      const acknowledgedWhileDown = acknowledged.filter((a) => a.at >= killedAt && a.at < restartAt).length;
      for (const line of table(
        ['partition', 'acknowledged', 'stored (end offset)', 'longest wait for an ack', 'acked but missing'],
        longestStallMs.map(({ partition, ms }) => [
          partition,
          acknowledged.filter((a) => a.partition === partition).length,
          Number(ends.find((o) => o.partition === partition)?.high ?? 0),
          `${ms} ms${partition === victimPartition ? ' (its leader killed)' : ''}`,
          missing.filter((m) => m.includes(`@${partition}/`)).length,
        ]),
      ))
        log(`   ${line}`);
      log(
        `   ${acknowledged.length} acknowledged (${ackedWhenRestarting} of them after the kill), ${unacknowledged} sends not acknowledged; ` +
          `${missing.length === 0 ? 'every acknowledged record is at its partition and offset' : `MISSING: ${missing.slice(0, 5).join(', ')}`}`,
      );
      const stalls = longestStallMs.map((x) => x.ms);
      explain(
        log,
        'What this shows (timings)',
        `cluster start ${seconds(cluster.startMs)}; leader election ${seconds(electionMs)} after kill -9 (the 3 s session timeout, counted`,
        'from the last heartbeat, and longer when the killed node was also the active controller: the other two elect',
        `a new one first); broker back ${seconds(nodeBackMs)} and full ISR ${seconds(fullIsrMs)} after the restart.`,
        `The longest wait for an acknowledgement was ${Math.min(...stalls)}-${Math.max(...stalls)} ms on every partition, not only on`,
        `partition ${victimPartition}: acks=all waits for every replica in the ISR, and the dead broker stayed in the ISR of the`,
        'partitions it followed until the controller fenced it. The client retried; nothing acknowledged was lost,',
        'because an acknowledged record was already on every in-sync replica and only an in-sync replica can',
        'become leader (unclean.leader.election.enable=false).',
        wanted > acknowledged.length
          ? `${wanted - acknowledged.length} records are stored but were never acknowledged: sends whose acknowledgement was lost in the kill, retried (or given up) by the client.`
          : 'Every stored record was acknowledged once: no send was retried after being written.',
      );
      const evidence = {
        topic,
        brokers,
        stateDir,
        clusterStartMs: cluster.startMs,
        before,
        killed: { partition: victimPartition, node: victim, pid },
        electionMs,
        afterKill,
        fullIsrMs,
        afterRestart,
        acknowledged: acknowledged.map(({ partition, offset, value }) => ({ partition, offset, value })),
        unacknowledged,
        acknowledgedWhileDown,
        longestStallMs,
        missing,
        readBack: stored.size,
      };
      await scope.close();
      return { ...evidence, stateDirRemoved: !existsSync(stateDir), cleaned: scope.cleaned() };
    } finally {
      producing = false; // the send loops end, also after a failure
      await scope.close();
    }
  },
};
