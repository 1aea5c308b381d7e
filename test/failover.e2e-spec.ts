import { topicSpec, Topics } from '@nurt/contracts';
import { loadKafkaEnv, TopicBootstrap } from '@nurt/kafka';
import kafkajs from 'kafkajs';
import { CLUSTER_BROKERS, clusterState, kafkaSh, kafkaShOrThrow, type ClusterState } from '../tools/drills/cluster.js';
import { runId, waitFor } from './support/wait.js';
import { formatSummary, runFailoverDrill, type FailoverDrillResult } from '../tools/drills/failover.js';

/**
 * The failover drill, short: two partition leaders killed (kill -9) on the local three-node
 * cluster while clients post to the built transactions app. Its own cluster, never the
 * single broker the other suites share.
 */
describe('failover drill: a partition leader killed under load (three-node cluster, node dist/apps/transactions)', () => {
  const abort = new AbortController();
  const lines: string[] = [];
  let before: ClusterState;
  let drill: Promise<FailoverDrillResult> | undefined;

  beforeAll(async () => {
    before = await clusterState();
    if (before !== 'running') await kafkaShOrThrow(['cluster-start']);
  }, 180_000);

  it('raises the replication factor of a topic created with fewer replicas, by reassignment', async () => {
    const topic = `it-${runId()}-raise`;
    const kafka = new kafkajs.Kafka({
      clientId: 'nurt-test-rf',
      brokers: [...CLUSTER_BROKERS],
      logLevel: kafkajs.logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // As a first start with two nodes of three down would have left it.
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
      const env = loadKafkaEnv({
        ...process.env,
        KAFKA_BROKERS: CLUSTER_BROKERS.join(','),
        KAFKA_REPLICATION_FACTOR: '3',
      });
      const spec = { ...topicSpec(Topics.Transactions), name: topic as never, partitions: 3 };
      const changes = await new TopicBootstrap(kafka, env).ensure([spec]);
      expect(changes.find((c) => c.action === 'replication-raised')).toEqual({
        topic,
        action: 'replication-raised',
        detail: '1 -> 3',
      });
      // The reassignment finished; every broker's metadata says so a moment later.
      const replicasAndIsr = async (): Promise<number[][]> =>
        ((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions ?? [])
          .sort((a, b) => a.partitionId - b.partitionId)
          .map((p) => [p.replicas.length, p.isr.length]);
      await waitFor('three in-sync replicas for every partition', async () =>
        (await replicasAndIsr()).every(([r, i]) => r === 3 && i === 3),
      );
      expect(await replicasAndIsr()).toEqual([
        [3, 3],
        [3, 3],
        [3, 3],
      ]);
      // Done: a second run changes nothing.
      expect((await new TopicBootstrap(kafka, env).ensure([spec])).map((c) => c.action)).toEqual(['unchanged']);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 120_000);

  afterAll(async () => {
    // A test that timed out leaves the drill running: stop it, let it clean up, then make sure.
    abort.abort();
    await drill?.catch(() => undefined);
    if (before === 'stopped' && (await clusterState()) !== 'stopped') await kafkaSh(['cluster-stop']);
  }, 120_000);

  it('every 202 names the record that holds its transaction, none is lost, and each group applies each once (npm run drill -- broker-kill)', async () => {
    drill = runFailoverDrill({
      rounds: 2,
      rate: 50,
      leadSeconds: 2,
      downSeconds: 4,
      groups: true,
      log: (line) => lines.push(line),
      signal: abort.signal,
    });
    let result: FailoverDrillResult;
    try {
      result = await drill;
    } finally {
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    process.stdout.write(`${formatSummary(result).join('\n')}\n`);

    expect(result.violations).toEqual([]);
    expect(result.rounds).toHaveLength(2);
    // 50/s over well over 30 s of load: most of it acknowledged despite two kills.
    expect(result.acknowledged).toBeGreaterThan(1000);
    expect(result.acknowledged).toBeGreaterThan(result.transactions * 0.8);
    // The kills did hit requests: some waited out a failover or were answered 503.
    expect(result.rounds.reduce((n, r) => n + r.delayed, 0)).toBeGreaterThan(0);
    // And the service came back with the cluster each time.
    expect(result.rounds.map((r) => r.serviceBackMs)).not.toContain(null);
    // The monolith's three groups: every transaction of the log applied exactly once by each.
    expect(result.groups?.verdicts.map((v) => [v.group.split('-FO-')[0], v.lost, v.doubled, v.problems])).toEqual([
      ['anti-fraud', 0, 0, []],
      ['reporting', 0, 0, []],
      ['recommendation', 0, 0, []],
    ]);
    expect(result.groups?.verdicts.every((v) => v.expected >= result.acknowledged)).toBe(true);
    expect(result.ok).toBe(true);
  }, 300_000);
});
