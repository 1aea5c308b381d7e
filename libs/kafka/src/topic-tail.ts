import { Kafka, type Consumer } from './kafkajs.js';
import { kafkaClientConfig, type KafkaEnv } from './kafka.config.js';
import { nestLogCreator } from './kafka.logger.js';

export interface TailedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: Date;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TopicTail {
  stop(): Promise<void>;
}

export interface TailOptions {
  readonly topic: string;
  readonly groupId: string;
  readonly fromBeginning?: boolean;
  readonly onRecord: (record: TailedRecord) => void | Promise<void>;
}

/**
 * A plain consumer outside Nest, for command-line tools and tests that watch a topic (the CLI
 * consumer, the dead-letter queue). Resolves once the group has joined and is fetching.
 */
export async function tailTopic(env: KafkaEnv, options: TailOptions): Promise<TopicTail> {
  const kafka = new Kafka({ ...kafkaClientConfig(env, 'tail'), logCreator: nestLogCreator });
  const consumer: Consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? false });
  const joined = new Promise<void>((resolve) => {
    const off = consumer.on(consumer.events.GROUP_JOIN, () => {
      off();
      resolve();
    });
  });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        const first = Array.isArray(value) ? value[0] : value;
        if (first !== undefined) headers[name] = first.toString();
      }
      await options.onRecord({
        topic,
        partition,
        offset: message.offset,
        timestamp: new Date(Number(message.timestamp)),
        key: message.key ? message.key.toString() : null,
        value: message.value ?? null,
        headers,
      });
    },
  });
  await joined;
  return { stop: () => consumer.disconnect() };
}
