import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
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
import {
  BROKER_PROBE,
  ensureReachable,
  KafkaRefusedError,
  securityProblem,
  whyUnreachable,
  whyUntrusted,
  type BrokerProbe,
} from './reachability.js';

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

/** What a failed send means for the records: the caller must know whether a retry can duplicate. */
export type SendOutcome = 'not-written' | 'unknown';

/** A send that did not end with the broker's acknowledgement. */
export class KafkaSendError extends Error {
  constructor(
    message: string,
    /** `not-written`: the broker has none of the records. `unknown`: it may have some or all of them. */
    readonly outcome: SendOutcome,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaSendError';
  }
}

/**
 * The records waited KAFKA_SEND_TIMEOUT_MS. If they were still queued they were never sent
 * (`not-written`); if a produce request carrying them was in flight they may still land (`unknown`).
 */
export class KafkaSendTimeoutError extends KafkaSendError {
  constructor(
    readonly timeoutMs: number,
    outcome: SendOutcome,
  ) {
    super(
      outcome === 'not-written'
        ? `Kafka took no write within ${timeoutMs} ms; nothing was written`
        : `Kafka did not acknowledge the write within ${timeoutMs} ms; it may still be written`,
      outcome,
    );
    this.name = 'KafkaSendTimeoutError';
  }
}

/**
 * Errors the broker answers before appending anything, which kafkajs does not retry: the request
 * failed on its first and only attempt, so none of its records is in the log.
 */
const REJECTED_BEFORE_APPEND = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_REQUIRED_ACKS',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'INVALID_TOPIC_EXCEPTION',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);

/** Whether the broker refused the request for what it carried (then none of it is in the log). */
function refusedByBroker(err: unknown): boolean {
  const e = err as { name?: unknown; type?: unknown; cause?: { type?: unknown } };
  // Retries exhausted: some attempt may have been appended before its answer was lost.
  if (e.name === 'KafkaJSNumberOfRetriesExceeded') return false;
  const type = e.type ?? e.cause?.type;
  return typeof type === 'string' && REJECTED_BEFORE_APPEND.has(type);
}

/**
 * The most bytes (keys, values, headers) one produce request carries. A topic's record batch must
 * stay under the broker's `message.max.bytes` (1 MiB by default) with its per-record overhead.
 */
export const MAX_REQUEST_BYTES = 900_000;

interface Pending {
  readonly topic: string;
  readonly message: Message;
  readonly bytes: number;
  readonly partitioning: Partitioning;
  /** Where the partitioner put the message (in the request in flight): offsets are reported per partition. */
  partition?: number;
}

/** One caller's records, answered together once they are all acknowledged (or not). */
interface Send {
  readonly records: readonly Pending[];
  readonly bytes: number;
  state: 'queued' | 'in-flight' | 'settled';
  readonly resolve: (results: ProduceResult[]) => void;
  readonly reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return Buffer.isBuffer(value) ? value.length : Buffer.byteLength(value);
}

/**
 * acks=all producer shared by a whole process. `send`/`sendBatch` resolve only after every in-sync
 * replica has the records, and say where each one landed. Feature code uses this, never kafkajs.
 *
 * Concurrent callers share produce requests: sends queue up while one request is in flight and go
 * out together in the next, so 64 concurrent REST calls cost a few produce round trips rather than
 * 64 (kafkajs does not batch separate `send()` calls the way Kafka's Java producer does with
 * `linger.ms`). Exactly one request is in flight at a time and it is never abandoned: a caller may
 * stop waiting (KAFKA_SEND_TIMEOUT_MS), but the request runs to its end before the next one starts.
 *
 * Why not kafkajs' idempotent producer: when a produce request fails with an unknown outcome (a
 * broker killed mid-request), kafkajs 2.2.4 rolls the partition's sequence number back
 * (`src/producer/sendMessages.js`, the catch around `broker.produce`), and the next batch to reach
 * that partition is sent with the same sequence. If the broker had in fact appended the failed
 * batch, it takes the new batch for a duplicate of it and acknowledges it with the old batch's
 * offset: the new records are lost and their callers are told they were written. That is what the
 * failover drill saw (a 202 whose offset held another transaction). Without idempotence a retried
 * request can at worst write a record twice, at its own new offset; every consumer group applies a
 * transaction id once, so a duplicate is harmless and every acknowledgement is true.
 */
@Injectable()
export class KafkaProducer implements OnApplicationShutdown {
  private readonly logger = new Logger(KafkaProducer.name);
  private readonly producer: Producer;
  private connecting: Promise<void> | null = null;
  /** The records of the request in flight, by the message kafkajs hands the partitioner. */
  private inFlight = new Map<Message, Pending>();
  private roundRobin = 0;
  private readonly queue: Send[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
    /** Whether a broker accepts connections (a TCP connect; a broker in memory in the unit specs). */
    @Optional() @Inject(BROKER_PROBE) private readonly probe: BrokerProbe = whyUnreachable,
  ) {
    const byKey = Partitioners.DefaultPartitioner();
    const partitioner: ICustomPartitioner = () => (args: PartitionerArgs) => {
      const pending = this.inFlight.get(args.message);
      const partition =
        pending?.partitioning === 'round-robin' && args.message.partition == null
          ? this.roundRobin++ % args.partitionMetadata.length
          : byKey(args);
      if (pending) pending.partition = partition;
      return partition;
    };
    this.producer = kafka.producer({
      idempotent: false,
      // One request per broker at a time: with retries, records of a partition stay in order.
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
    if (!result) throw new KafkaSendError('Kafka returned no metadata for the record', 'unknown');
    return result;
  }

  /**
   * Sends records (any topics); results are in input order. Rejects with a KafkaSendError whose
   * `outcome` says whether any of them may have been written.
   */
  sendBatch<T>(records: readonly ProduceRecord<T>[]): Promise<ProduceResult[]> {
    if (records.length === 0) return Promise.resolve([]);
    const pending = records.map((r): Pending => {
      const message: Message = {
        key: r.key ?? null,
        value: r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : JSON.stringify(r.value),
      };
      let bytes = byteLength(message.key) + byteLength(message.value);
      if (r.headers) {
        message.headers = { ...r.headers };
        for (const [name, value] of Object.entries(r.headers)) bytes += name.length + byteLength(value);
      }
      if (r.partition !== undefined) message.partition = r.partition;
      return { topic: r.topic, message, bytes, partitioning: r.partitioning ?? 'key' };
    });
    return new Promise<ProduceResult[]>((resolve, reject) => {
      const send: Send = {
        records: pending,
        bytes: pending.reduce((n, p) => n + p.bytes, 0),
        state: 'queued',
        resolve,
        reject,
      };
      const ms = this.env.KAFKA_SEND_TIMEOUT_MS;
      send.timer = setTimeout(() => {
        if (send.state === 'settled') return;
        // Records still queued were never handed to the broker; in-flight ones may yet land.
        const outcome: SendOutcome = send.state === 'queued' ? 'not-written' : 'unknown';
        if (send.state === 'queued') this.queue.splice(this.queue.indexOf(send), 1);
        send.state = 'settled';
        reject(new KafkaSendTimeoutError(ms, outcome));
      }, ms);
      this.queue.push(send);
      this.schedule();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    // What is queued or in flight goes out first: a caller was promised an answer.
    while (this.flushing) await this.flushing;
    if (!this.connecting) return;
    await this.producer.disconnect().catch((err: unknown) => this.logger.warn(`disconnect failed: ${String(err)}`));
    this.connecting = null;
  }

  private schedule(): void {
    // The next turn of the event loop, so that every request that arrived in this one joins in.
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Connected before anything is taken: records wait as `queued` meanwhile, so that a send
        // that times out or fails here is truthfully "not written".
        const unreachable = await this.connect().then(
          () => null,
          (err: unknown) => err as KafkaSendError,
        );
        if (unreachable) {
          for (const send of this.queue.splice(0)) settle(send, () => send.reject(unreachable));
          break;
        }
        await this.flush(this.take());
      }
    } finally {
      this.flushing = null;
      if (this.queue.length > 0) this.schedule();
    }
  }

  /** The oldest sends that fit in one request; one send larger than a request goes alone. */
  private take(): Send[] {
    const taken: Send[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (taken.length > 0 && bytes + next.bytes > MAX_REQUEST_BYTES) break;
      this.queue.shift();
      next.state = 'in-flight';
      taken.push(next);
      bytes += next.bytes;
    }
    return taken;
  }

  private async flush(sends: readonly Send[]): Promise<void> {
    try {
      const results = await this.produce(sends.flatMap((s) => s.records));
      let i = 0;
      for (const send of sends) {
        const mine = results.slice(i, i + send.records.length);
        i += send.records.length;
        settle(send, () => send.resolve(mine));
      }
    } catch (err: unknown) {
      const refused = refusedByBroker(err);
      // A broker refusal of the whole request (one caller's oversized record, say) must not fail
      // the other callers who shared it: nothing was written, so each is sent again on its own.
      // (Not a connection failure: that would only fail again, once per caller.)
      if (refused && sends.length > 1) {
        for (const send of sends) await this.flush([send]);
        return;
      }
      const outcome: SendOutcome = err instanceof KafkaSendError ? err.outcome : refused ? 'not-written' : 'unknown';
      const message = err instanceof Error ? err.message : String(err);
      for (const send of sends) {
        settle(send, () =>
          send.reject(
            new KafkaSendError(
              outcome === 'not-written'
                ? `Kafka refused the write: ${message}`
                : `Kafka did not acknowledge the write (it may still be written): ${message}`,
              outcome,
              { cause: err },
            ),
          ),
        );
      }
    }
  }

  private async produce(records: readonly Pending[]): Promise<ProduceResult[]> {
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic);
      if (list) list.push(r.message);
      else byTopic.set(r.topic, [r.message]);
    }
    this.inFlight = new Map(records.map((r) => [r.message, r]));
    let metadata: Awaited<ReturnType<Producer['sendBatch']>>;
    try {
      metadata = await this.producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } finally {
      this.inFlight = new Map();
    }

    // kafkajs writes each partition's messages in input order, starting at that partition's baseOffset.
    const next = new Map<string, bigint>();
    for (const m of metadata) {
      if (m.baseOffset !== undefined) next.set(`${m.topicName}/${m.partition}`, BigInt(m.baseOffset));
    }
    return records.map(({ topic, message, partition: placed }) => {
      const partition = placed ?? message.partition ?? -1;
      const key = `${topic}/${partition}`;
      const offset = next.get(key);
      if (offset === undefined) throw new KafkaSendError(`Kafka returned no offset for ${key}`, 'unknown');
      next.set(key, offset + 1n);
      return { topic, partition, offset: offset.toString() };
    });
  }

  /**
   * Connects lazily, so that the app starts (and reports Kafka down on /health) while the broker is
   * away. With no broker accepting a connection it fails at once, rather than after kafkajs' own
   * retries (~17 s): a request meanwhile gets its 503 "not written" right away.
   */
  private async connect(): Promise<void> {
    this.connecting ??= (async () => {
      await ensureReachable(this.env.KAFKA_BROKERS, this.probe);
      // An untrusted certificate fails at once, not after kafkajs' retries of the handshake.
      const untrusted = await whyUntrusted(this.env.KAFKA_BROKERS, this.env);
      if (untrusted !== null) throw new KafkaRefusedError(untrusted);
      await this.producer.connect();
    })().catch((err: unknown) => {
      this.connecting = null;
      throw new KafkaSendError(
        `cannot connect to Kafka: ${securityProblem(err, this.env) ?? (err instanceof Error ? err.message : String(err))}`,
        'not-written',
        { cause: err },
      );
    });
    await this.connecting;
  }
}

function settle(send: Send, answer: () => void): void {
  clearTimeout(send.timer);
  if (send.state === 'settled') return;
  send.state = 'settled';
  answer();
}
