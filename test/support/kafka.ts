import { TOPIC_SPECS } from '@nurt/contracts';
import { loadKafkaEnv, TopicBootstrap } from '@nurt/kafka';
import kafkajs from 'kafkajs';

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** A plain kafkajs client, as "any Kafka client" a user might write. */
export function plainKafka(clientId = 'nurt-test'): kafkajs.Kafka {
  return new kafkajs.Kafka({ clientId, brokers, logLevel: kafkajs.logLevel.NOTHING });
}

let declared: Promise<unknown> | undefined;

/** Creates the declared topics as an app's start-up would, for a test that runs before any app did (once per file). */
export async function ensureDeclaredTopics(): Promise<void> {
  const env = loadKafkaEnv({ ...process.env, KAFKA_BROKERS: brokers.join(',') });
  declared ??= new TopicBootstrap(plainKafka('nurt-test-bootstrap'), env).ensure(TOPIC_SPECS);
  await declared;
}

/**
 * Commits the current end of `topic` as `groupId`'s position before the group ever runs, so that a
 * test's fresh group reads only what the test produces afterwards, not the shared topic's history,
 * and without racing the group's first join. On a fresh broker the topic may not exist yet.
 */
export async function startGroupAtEnd(groupId: string, topic: string): Promise<void> {
  await ensureDeclaredTopics();
  const admin = plainKafka('nurt-test-admin').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** What each group has committed on `topic`, summed over partitions (lag check). */
export async function groupLag(groupId: string, topic: string): Promise<number> {
  const admin = plainKafka('nurt-test-admin').admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const at = new Map(committed[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
    return ends.reduce((lag, e) => {
      const pos = at.get(e.partition) ?? -1n;
      return lag + Number(BigInt(e.high) - (pos < 0n ? 0n : pos));
    }, 0);
  } finally {
    await admin.disconnect();
  }
}
