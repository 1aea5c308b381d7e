import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  CompressionTypes,
  Kafka as KafkaClient,
  Partitioners,
  type ICustomPartitioner,
  type Kafka,
  type Message,
  type PartitionerArgs,
  type Producer,
} from './kafkajs.js';
import { KAFKA_CLIENT, KAFKA_ENV } from './kafka.constants.js';
import { kafkaClientConfig, type KafkaEnv } from './kafka.config.js';
import { nestLogCreator } from './kafka.logger.js';

/** How a record without an explicit partition is placed. */
export type Partitioning = 'key' | 'round-robin';

export interface ProduceRecord<T> {
  readonly topic: string;
  /** Records with one key land on one partition, in order. `null` = no key (spread over partitions). */
  readonly key?: string | Buffer | null;
  /**
   * Serialised as JSON; a Buffer is written byte for byte (a dead letter keeps its original bytes);
   * `null` produces a tombstone (the delete marker of a compacted topic).
   */
  readonly value: T | Buffer | null;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  readonly partition?: number;
  /** 'round-robin' ignores the key for placement but still writes it. Default: 'key'. */
  readonly partitioning?: Partitioning;
}

export interface ProduceResult {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kept as a decimal string. */
  readonly offset: string;
}

/** Raised when the broker did not acknowledge in time; the record may still land later. */
export class KafkaSendTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Kafka did not acknowledge the write within ${timeoutMs} ms`);
    this.name = 'KafkaSendTimeoutError';
  }
}

interface Pending {
  readonly message: Message;
  readonly partitioning: Partitioning;
}

/**
 * Idempotent, acks=all producer. `send` resolves only after every in-sync replica has the records
 * and tells where each one landed. Feature code uses this instead of kafkajs or ClientKafka.
 */
@Injectable()
export class KafkaProducer implements OnApplicationShutdown {
  private readonly logger = new Logger(KafkaProducer.name);
  private readonly producer: Producer;
  private connecting: Promise<void> | null = null;
  /** Where the partitioner put each message of the batch in flight; read back to report offsets. */
  private readonly placement = new WeakMap<Message, number>();
  private readonly modes = new WeakMap<Message, Partitioning>();
  private roundRobin = 0;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
  ) {
    const byKey = Partitioners.DefaultPartitioner();
    const partitioner: ICustomPartitioner = () => (args: PartitionerArgs) => {
      const count = args.partitionMetadata.length;
      const partition =
        this.modes.get(args.message) === 'round-robin' && args.message.partition == null
          ? this.roundRobin++ % count
          : byKey(args);
      this.placement.set(args.message, partition);
      return partition;
    };
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: partitioner,
    });
  }

  /** A producer outside Nest (command-line tools, benchmarks); call onApplicationShutdown() when done. */
  static standalone(env: KafkaEnv, clientId: string): KafkaProducer {
    return new KafkaProducer(new KafkaClient({ ...kafkaClientConfig(env, clientId), logCreator: nestLogCreator }), env);
  }

  async send<T>(record: ProduceRecord<T>): Promise<ProduceResult> {
    const [result] = await this.sendBatch([record]);
    if (!result) throw new Error('Kafka returned no metadata for the record');
    return result;
  }

  /** Sends records (any topics) in one request; results are in input order. */
  async sendBatch<T>(records: readonly ProduceRecord<T>[]): Promise<ProduceResult[]> {
    if (records.length === 0) return [];
    await this.connect();
    const byTopic = new Map<string, Pending[]>();
    const ordered: Pending[] = records.map((r) => {
      const message: Message = {
        key: r.key ?? null,
        value: r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : JSON.stringify(r.value),
        ...(r.headers ? { headers: { ...r.headers } } : {}),
        ...(r.partition !== undefined ? { partition: r.partition } : {}),
      };
      const pending = { message, partitioning: r.partitioning ?? 'key' };
      this.modes.set(message, pending.partitioning);
      const list = byTopic.get(r.topic) ?? [];
      list.push(pending);
      byTopic.set(r.topic, list);
      return pending;
    });
    const topicOf = new Map<Message, string>();
    for (const [topic, list] of byTopic) for (const p of list) topicOf.set(p.message, topic);

    const metadata = await this.withTimeout(
      this.producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map((p) => p.message) })),
      }),
    );

    // kafkajs writes each partition's messages in input order, starting at that partition's baseOffset.
    const next = new Map<string, bigint>();
    for (const m of metadata) {
      if (m.baseOffset !== undefined) next.set(`${m.topicName}/${m.partition}`, BigInt(m.baseOffset));
    }
    return ordered.map(({ message }) => {
      const topic = topicOf.get(message) ?? '';
      const partition = this.placement.get(message) ?? message.partition ?? -1;
      const key = `${topic}/${partition}`;
      const offset = next.get(key);
      if (offset === undefined) throw new Error(`Kafka returned no offset for ${key}`);
      next.set(key, offset + 1n);
      return { topic, partition, offset: offset.toString() };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.connecting) return;
    await this.producer.disconnect().catch((err: unknown) => this.logger.warn(`disconnect failed: ${String(err)}`));
    this.connecting = null;
  }

  private async connect(): Promise<void> {
    // Connect lazily so that the app starts (and reports Kafka down on /health) while the broker is away.
    this.connecting ??= this.producer.connect().catch((err: unknown) => {
      this.connecting = null;
      throw err;
    });
    await this.connecting;
  }

  private async withTimeout<R>(work: Promise<R>): Promise<R> {
    const ms = this.env.KAFKA_SEND_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaSendTimeoutError(ms)), ms);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
