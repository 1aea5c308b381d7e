import type { INestApplication, Type } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { TOPIC_SPECS, Topics, topicSpec, TransactionsTopic, type Transaction } from '@nurt/contracts';
import {
  KAFKA_CLIENT,
  KafkaProducer,
  loadKafkaEnv,
  OnBatch,
  Projection,
  ReplicationShortfall,
  TopicBootstrap,
  type RecordBatch,
} from '@nurt/kafka';
import type { ServiceDefinition } from '@nurt/runtime';
import type { Kafka } from 'kafkajs';
import { brokers } from './support/kafka.js';
import { startServiceApp } from './support/pipeline.js';
import { runId, sleep, waitFor } from './support/wait.js';

const run = runId();
const FRAUD_GROUP = `it-${run}-anti-fraud`;
const REPORTING_GROUP = `it-${run}-reporting`;
const RESUME_GROUP = `it-${run}-resume`;

/** What each test group received, in arrival order: transaction ids. */
const received = new Map<string, string[]>();
function record(batch: RecordBatch<Transaction>): void {
  const ids = batch.records.map((r) => r.value.id).filter((id) => id.startsWith(run));
  received.set(batch.group, [...(received.get(batch.group) ?? []), ...ids]);
}
const seen = (group: string, prefix: string): string[] =>
  (received.get(group) ?? []).filter((id) => id.startsWith(prefix));

@Projection(FRAUD_GROUP)
class FraudProbe {
  @OnBatch(TransactionsTopic)
  handle(@Payload() batch: RecordBatch<Transaction>): void {
    record(batch);
  }
}

@Projection(REPORTING_GROUP)
class ReportingProbe {
  @OnBatch(TransactionsTopic)
  handle(@Payload() batch: RecordBatch<Transaction>): void {
    record(batch);
  }
}

@Projection(RESUME_GROUP)
class ResumeProbe {
  @OnBatch(TransactionsTopic)
  handle(@Payload() batch: RecordBatch<Transaction>): void {
    record(batch);
  }
}

const probes = (...projections: Type[]): ServiceDefinition => ({
  name: 'probes',
  description: 'test groups',
  modules: () => [],
  projections,
  kafka: true,
  database: false,
});

async function startApp(service: ServiceDefinition, keepOffsets = false): Promise<INestApplication> {
  const { app } = await startServiceApp({ name: `kafka-it-${run}`, services: [service], groupSuffix: '', keepOffsets });
  return app;
}

function tx(id: string, store = 'Warsaw'): { id: string; amount: number; store: string; type: 'purchase' } {
  return { id, amount: 1250.0, store, type: 'purchase' };
}

describe('Kafka foundation (real broker)', () => {
  let app: INestApplication;
  let producer: KafkaProducer;

  beforeAll(async () => {
    app = await startApp(probes(FraudProbe, ReportingProbe));
    producer = app.get(KafkaProducer);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('leaves transactions with 6 partitions and 7-day retention, and a second bootstrap changes nothing', async () => {
    const bootstrap = app.get(TopicBootstrap);
    const again = await bootstrap.ensure(TOPIC_SPECS);
    expect(again.map((c) => c.action)).toEqual(TOPIC_SPECS.map(() => 'unchanged'));

    const admin = app.get<Kafka>(KAFKA_CLIENT).admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [Topics.Transactions] });
      expect(meta.topics[0]?.partitions).toHaveLength(6);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: Topics.Transactions, configNames: ['retention.ms', 'cleanup.policy'] }],
      });
      const entries = Object.fromEntries(configs.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
      expect(entries).toEqual({ 'retention.ms': String(7 * 24 * 3600 * 1000), 'cleanup.policy': 'delete' });
    } finally {
      await admin.disconnect();
    }
  });

  it('never creates a topic below KAFKA_REPLICATION_FACTOR: with too few brokers up it says so and creates nothing', async () => {
    const topic = `it-${run}-rf`;
    const spec = { ...topicSpec(Topics.Transactions), name: topic as never, partitions: 2 };
    const env = loadKafkaEnv({ ...process.env, KAFKA_BROKERS: brokers.join(','), KAFKA_REPLICATION_FACTOR: '3' });
    const bootstrap = new TopicBootstrap(app.get<Kafka>(KAFKA_CLIENT), env);
    const refused = bootstrap.ensure([spec]);
    await expect(refused).rejects.toThrow(ReplicationShortfall);
    await expect(refused).rejects.toThrow(
      `topic ${topic} needs replication factor 3 (KAFKA_REPLICATION_FACTOR) and only 1 broker is up: it is not created with fewer`,
    );
    const admin = app.get<Kafka>(KAFKA_CLIENT).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(topic);
    } finally {
      await admin.disconnect();
    }
    // Unset, one local broker: replication 1, and the log line says it is below the declared 3.
    const local = new TopicBootstrap(
      app.get<Kafka>(KAFKA_CLIENT),
      loadKafkaEnv({ ...process.env, KAFKA_BROKERS: brokers.join(','), KAFKA_REPLICATION_FACTOR: '' }),
    );
    const [created] = await local.ensure([spec]);
    expect(created).toMatchObject({ topic, action: 'created' });
    expect(created?.detail).toMatch(
      /^2 partitions, replication 1; declared 3, 1 broker up: set KAFKA_REPLICATION_FACTOR/,
    );
    const cleanup = app.get<Kafka>(KAFKA_CLIENT).admin();
    await cleanup.connect();
    await cleanup.deleteTopics({ topics: [topic] }).finally(() => cleanup.disconnect());
  });

  it('puts drifted topic config back', async () => {
    const topic = `it-${run}-drift`;
    const spec = { ...topicSpec(Topics.Transactions), name: topic as never, partitions: 2 };
    const bootstrap = app.get(TopicBootstrap);
    expect((await bootstrap.ensure([spec]))[0]?.action).toBe('created');

    const admin = app.get<Kafka>(KAFKA_CLIENT).admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: topic, configEntries: [{ name: 'retention.ms', value: '1000' }] }],
      });
      const fixed = await bootstrap.ensure([{ ...spec, partitions: 4 }]);
      expect(fixed.map((c) => c.action).sort()).toEqual(['config-updated', 'partitions-added']);
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]?.partitions).toHaveLength(4);
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  });

  it('delivers one transaction keyed Warsaw to each of two groups in one process exactly once', async () => {
    const id = `${run}-fanout`;
    const result = await producer.send({ topic: Topics.Transactions, key: 'Warsaw', value: tx(id) });
    expect(result.topic).toBe(Topics.Transactions);
    expect(result.partition).toBeGreaterThanOrEqual(0);
    expect(BigInt(result.offset)).toBeGreaterThanOrEqual(0n);

    await waitFor(
      'both groups to read the transaction',
      () => seen(FRAUD_GROUP, id).length > 0 && seen(REPORTING_GROUP, id).length > 0,
    );
    await sleep(2000); // a duplicate, if any, would arrive in this time
    expect(seen(FRAUD_GROUP, id)).toEqual([id]);
    expect(seen(REPORTING_GROUP, id)).toEqual([id]);
  });

  it('puts every record with one key on one partition, in order, and spreads keyless records over all partitions', async () => {
    const keyed = await producer.sendBatch(
      Array.from({ length: 30 }, (_, i) => ({
        topic: Topics.Transactions,
        key: 'Warsaw',
        value: tx(`${run}-key-${i}`),
      })),
    );
    expect(new Set(keyed.map((r) => r.partition)).size).toBe(1);
    const offsets = keyed.map((r) => BigInt(r.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(offsets).size).toBe(30);

    const keyless = await producer.sendBatch(
      Array.from({ length: 60 }, (_, i) => ({ topic: Topics.Transactions, key: null, value: tx(`${run}-nokey-${i}`) })),
    );
    expect(new Set(keyless.map((r) => r.partition))).toEqual(new Set([0, 1, 2, 3, 4, 5]));

    // Each group sees one store's records in the order they were produced.
    const expected = keyed.map((_, i) => `${run}-key-${i}`);
    await waitFor(
      'the keyed records in both groups',
      () => seen(FRAUD_GROUP, `${run}-key-`).length === 30 && seen(REPORTING_GROUP, `${run}-key-`).length === 30,
    );
    expect(seen(FRAUD_GROUP, `${run}-key-`)).toEqual(expected);
    expect(seen(REPORTING_GROUP, `${run}-key-`)).toEqual(expected);
  });

  it('resumes a restarted group after its last committed offset: nothing skipped, nothing read twice', async () => {
    const first = Array.from({ length: 5 }, (_, i) => `${run}-resume-a${i}`);
    const second = Array.from({ length: 5 }, (_, i) => `${run}-resume-b${i}`);

    let worker = await startApp(probes(ResumeProbe));
    await producer.sendBatch(
      first.map((id, i) => ({ topic: Topics.Transactions, key: `store-${i % 3}`, value: tx(id) })),
    );
    await waitFor('the first batch', () => seen(RESUME_GROUP, `${run}-resume-`).length === first.length);
    await worker.close();

    // Produced while the group is down: the restarted worker must pick exactly these up.
    await producer.sendBatch(
      second.map((id, i) => ({ topic: Topics.Transactions, key: `store-${i % 3}`, value: tx(id) })),
    );
    worker = await startApp(probes(ResumeProbe), true);
    try {
      await waitFor(
        'the second batch',
        () => seen(RESUME_GROUP, `${run}-resume-`).length >= first.length + second.length,
      );
      await sleep(2000);
      expect([...seen(RESUME_GROUP, `${run}-resume-`)].sort()).toEqual([...first, ...second].sort());
    } finally {
      await worker.close();
    }
  });
});
