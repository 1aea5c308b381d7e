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
 * kafkajs' retries of a produce request that met a dead or fenced leader. The controller elects a
 * new leader about 3 s after a broker dies (broker.session.timeout.ms of the local cluster; 9 s by
 * Kafka's default). kafkajs' default backoff (300 ms, doubling) retries at about 0.3, 0.9, 2.1,
 * 4.5 and 9.3 s, so a partition whose leader died at 0 waits until 4.5 or 9.3 s; capped at 1 s
 * between tries, it is written again at most a second after the election. Ten retries wait about
 * 0.1 + 0.2 + 0.4 + 0.8 + 6 × 1 = 7.5 s in all, within KAFKA_SEND_TIMEOUT_MS (10 s), after which
 * the caller hears "unknown" anyway.
 */
const PRODUCE_RETRY = { initialRetryTime: 100, maxRetryTime: 1000, retries: 10 } as const;

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
  /** Its partition: chosen when it was queued if the topic's partitions were known, else by the first request. */
  partition?: number;
  readonly send: Send;
  /** Its place in the send's records (and results). */
  readonly index: number;
  state: 'queued' | 'in-flight' | 'written' | 'failed';
}

/** One caller's records, answered together once they are all acknowledged (or not). */
interface Send {
  readonly records: Pending[];
  readonly results: ProduceResult[];
  written: number;
  settled: boolean;
  readonly resolve: (results: ProduceResult[]) => void;
  readonly reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

/** The records of one partition waiting for their turn, and whether a request carrying some is in flight. */
interface Lane {
  readonly topic: string;
  readonly partition: number;
  queue: Pending[];
  busy: boolean;
}

/** A lane's leader when the topic's partitions are known; records of unknown topics go out on their own. */
type Route = number | 'unplaced';

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return Buffer.isBuffer(value) ? value.length : Buffer.byteLength(value);
}

/**
 * acks=all producer shared by a whole process. `send`/`sendBatch` resolve only after every in-sync
 * replica has the records, and say where each one landed. Feature code uses this, never kafkajs.
 *
 * Concurrent callers share produce requests: records queue up per partition (a lane) while a request
 * to that partition's leader is in flight and go out together in the next, so 64 concurrent REST
 * calls cost a few produce round trips rather than 64 (kafkajs does not batch separate `send()`
 * calls the way Kafka's Java producer does with `linger.ms`). At most one request is in flight per
 * leader broker, and per partition: records of a partition are written in the order they were
 * sent. A request is never abandoned: a caller may stop waiting (KAFKA_SEND_TIMEOUT_MS), but the
 * request runs to its end before its partitions take another.
 *
 * Why per leader: one kafkajs request to several brokers is answered only when all of them answer.
 * A broker that dies holds up whatever it was sent until the controller has elected new leaders and
 * kafkajs has retried there; grouped per leader, that is only the partitions the dead broker led,
 * while the others keep being written (the failover drill measures it). Leaders are learnt from the
 * metadata kafkajs hands the partitioner with every request, so they follow kafkajs' own refreshes.
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
  private readonly byKey = Partitioners.DefaultPartitioner();
  private connecting: Promise<void> | null = null;
  /** The records of the requests in flight, by the message kafkajs hands the partitioner. */
  private readonly inFlight = new Map<Message, Pending>();
  /** Each topic's partitions as kafkajs last saw them (leaders included). */
  private readonly partitions = new Map<string, PartitionerArgs['partitionMetadata']>();
  private roundRobin = 0;
  private readonly lanes = new Map<string, Lane>();
  /** Records of topics whose partitions are not known yet. */
  private readonly unplaced: Pending[] = [];
  /** Leaders (and 'unplaced') with a request in flight. */
  private readonly busyRoutes = new Set<Route>();
  private readonly requests = new Set<Promise<void>>();
  private scheduled = false;
  private pumping: Promise<void> | null = null;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
    /** Whether a broker accepts connections (a TCP connect; a broker in memory in the unit specs). */
    @Optional() @Inject(BROKER_PROBE) private readonly probe: BrokerProbe = whyUnreachable,
  ) {
    const partitioner: ICustomPartitioner = () => (args: PartitionerArgs) => {
      this.partitions.set(args.topic, args.partitionMetadata);
      const pending = this.inFlight.get(args.message);
      if (pending?.partition !== undefined) return pending.partition;
      if (!pending) return this.byKey(args);
      // A record of a topic met for the first time: its lane waits until this request is answered.
      const partition = this.place(pending, args.partitionMetadata);
      pending.partition = partition;
      this.lane(pending.topic, partition).busy = true;
      return partition;
    };
    this.producer = kafka.producer({
      idempotent: false,
      // The lanes keep one request per partition in flight, which is what keeps a partition's
      // records in order through kafkajs' retries.
      allowAutoTopicCreation: false,
      createPartitioner: partitioner,
      retry: PRODUCE_RETRY,
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
    return new Promise<ProduceResult[]>((resolve, reject) => {
      const send: Send = { records: [], results: [], written: 0, settled: false, resolve, reject };
      records.forEach((r, index) => {
        const message: Message = {
          key: r.key ?? null,
          value: r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : JSON.stringify(r.value),
        };
        let bytes = byteLength(message.key) + byteLength(message.value);
        if (r.headers) {
          message.headers = { ...r.headers };
          for (const [name, value] of Object.entries(r.headers)) bytes += name.length + byteLength(value);
        }
        const pending: Pending = {
          topic: r.topic,
          message,
          bytes,
          partitioning: r.partitioning ?? 'key',
          send,
          index,
          state: 'queued',
          ...(r.partition !== undefined ? { partition: r.partition } : {}),
        };
        send.records.push(pending);
      });
      const ms = this.env.KAFKA_SEND_TIMEOUT_MS;
      send.timer = setTimeout(() => {
        if (send.settled) return;
        // Records still queued were never handed to the broker; in-flight or written ones may be in the log.
        const outcome: SendOutcome = send.records.every((p) => p.state === 'queued') ? 'not-written' : 'unknown';
        this.fail(send, new KafkaSendTimeoutError(ms, outcome));
      }, ms);
      for (const pending of send.records) this.enqueue(pending);
      this.schedule();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    // What is queued or in flight goes out first: a caller was promised an answer.
    while (this.pumping || this.requests.size > 0 || this.scheduled) {
      await Promise.all([this.pumping, ...this.requests]);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!this.connecting) return;
    await this.producer.disconnect().catch((err: unknown) => this.logger.warn(`disconnect failed: ${String(err)}`));
    this.connecting = null;
  }

  /** Where a record without an explicit partition goes, given its topic's partitions. */
  private place(pending: Pending, partitionMetadata: PartitionerArgs['partitionMetadata']): number {
    if (pending.partitioning === 'round-robin' && pending.message.partition == null) {
      return this.roundRobin++ % partitionMetadata.length;
    }
    return this.byKey({ topic: pending.topic, partitionMetadata, message: pending.message });
  }

  private enqueue(pending: Pending): void {
    const known = this.partitions.get(pending.topic);
    if (!known) {
      // Placed by the request that meets the topic (an explicit partition is kept).
      this.unplaced.push(pending);
      return;
    }
    pending.partition ??= this.place(pending, known);
    this.lane(pending.topic, pending.partition).queue.push(pending);
  }

  private lane(topic: string, partition: number): Lane {
    const key = `${topic}/${partition}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { topic, partition, queue: [], busy: false };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // The next turn of the event loop, so that every request that arrived in this one joins in.
    setImmediate(() => {
      this.scheduled = false;
      this.pumping ??= this.pump().finally(() => (this.pumping = null));
    });
  }

  /** Starts a request for every route that has records waiting and none in flight. */
  private async pump(): Promise<void> {
    if (!this.hasQueued()) return;
    // Connected before anything is taken: records wait as `queued` meanwhile, so that a send that
    // times out or fails here is truthfully "not written".
    const unreachable = await this.connect().then(
      () => null,
      (err: unknown) => err as KafkaSendError,
    );
    if (unreachable) {
      for (const send of this.queuedSends()) this.fail(send, unreachable);
      return;
    }
    for (const [route, records] of this.take()) {
      this.busyRoutes.add(route);
      const request: Promise<void> = this.flush(records).finally(() => {
        this.busyRoutes.delete(route);
        this.requests.delete(request);
        if (this.hasQueued()) this.schedule();
      });
      this.requests.add(request);
    }
  }

  private hasQueued(): boolean {
    return this.unplaced.some((p) => p.state === 'queued') || [...this.lanes.values()].some((l) => l.queue.length > 0);
  }

  private queuedSends(): Set<Send> {
    const sends = new Set(this.unplaced.map((p) => p.send));
    for (const lane of this.lanes.values()) for (const p of lane.queue) sends.add(p.send);
    return sends;
  }

  /**
   * The oldest records of each idle lane, grouped by the leader of their partition, up to a request's
   * worth per leader; records of topics not known yet go together in a request of their own.
   */
  private take(): Map<Route, Pending[]> {
    const taken = new Map<Route, Pending[]>();
    const bytes = new Map<Route, number>();
    const add = (route: Route, pending: Pending): boolean => {
      const list = taken.get(route) ?? [];
      const size = bytes.get(route) ?? 0;
      // One record larger than a request goes alone.
      if (list.length > 0 && size + pending.bytes > MAX_REQUEST_BYTES) return false;
      pending.state = 'in-flight';
      list.push(pending);
      taken.set(route, list);
      bytes.set(route, size + pending.bytes);
      return true;
    };
    if (!this.busyRoutes.has('unplaced')) {
      let n = 0;
      while (n < this.unplaced.length && add('unplaced', this.unplaced[n])) n++;
      this.unplaced.splice(0, n);
    }
    // The request that meets a topic may go to any broker: the lanes wait for its answer (once per topic).
    if (this.busyRoutes.has('unplaced')) return taken;
    for (const lane of this.lanes.values()) {
      if (lane.busy || lane.queue.length === 0) continue;
      const route = this.leaderOf(lane);
      if (this.busyRoutes.has(route)) continue;
      let n = 0;
      while (n < lane.queue.length && add(route, lane.queue[n])) n++;
      lane.queue.splice(0, n);
      if (n > 0) lane.busy = true;
    }
    return taken;
  }

  private leaderOf(lane: Lane): Route {
    const leader = this.partitions.get(lane.topic)?.find((p) => p.partitionId === lane.partition)?.leader;
    return leader ?? -1;
  }

  /** `release`: whether the lanes are free when it ends (not while the request is resent caller by caller). */
  private async flush(records: readonly Pending[], release = true): Promise<void> {
    try {
      const results = await this.produce(records);
      records.forEach((pending, i) => {
        const result = results[i];
        if (result) this.written(pending, result);
      });
    } catch (err: unknown) {
      const refused = refusedByBroker(err);
      const sends = new Set(records.map((p) => p.send));
      // A broker refusal of the whole request (one caller's oversized record, say) must not fail
      // the other callers who shared it: nothing was written, so each is sent again on its own.
      // (Not a connection failure: that would only fail again, once per caller.)
      if (refused && sends.size > 1) {
        for (const send of sends)
          await this.flush(
            records.filter((p) => p.send === send && !send.settled),
            false,
          );
        return;
      }
      const outcome: SendOutcome = err instanceof KafkaSendError ? err.outcome : refused ? 'not-written' : 'unknown';
      const message = err instanceof Error ? err.message : String(err);
      for (const pending of records) pending.state = outcome === 'not-written' ? 'queued' : 'failed';
      for (const send of sends) {
        this.fail(
          send,
          new KafkaSendError(
            outcome === 'not-written'
              ? `Kafka refused the write: ${message}`
              : `Kafka did not acknowledge the write (it may still be written): ${message}`,
            outcome,
            { cause: err },
          ),
        );
      }
    } finally {
      for (const pending of records) {
        if (!release || pending.partition === undefined) continue;
        const lane = this.lanes.get(`${pending.topic}/${pending.partition}`);
        if (lane) lane.busy = false;
      }
    }
  }

  private written(pending: Pending, result: ProduceResult): void {
    pending.state = 'written';
    const send = pending.send;
    send.results[pending.index] = result;
    send.written++;
    if (send.written === send.records.length && !send.settled) {
      send.settled = true;
      clearTimeout(send.timer);
      send.resolve(send.results);
    }
  }

  /**
   * Answers the send with `err` and takes its records that are still queued off their lanes: they
   * were never sent, and its caller has been answered. If any of its records may be in the log, the
   * outcome is unknown whatever the error says.
   */
  private fail(send: Send, err: KafkaSendError): void {
    if (send.settled) return;
    send.settled = true;
    clearTimeout(send.timer);
    const lanes = new Set<Lane>();
    let dropped = false;
    for (const pending of send.records) {
      if (pending.state !== 'queued') continue;
      pending.state = 'failed';
      dropped = true;
      const lane =
        pending.partition === undefined ? undefined : this.lanes.get(`${pending.topic}/${pending.partition}`);
      if (lane) lanes.add(lane);
    }
    for (const lane of lanes) lane.queue = lane.queue.filter((p) => p.state === 'queued');
    if (dropped && this.unplaced.length > 0) {
      this.unplaced.splice(0, this.unplaced.length, ...this.unplaced.filter((p) => p.state === 'queued'));
    }
    const partial = err.outcome === 'not-written' && send.records.some((p) => p.state === 'written');
    send.reject(
      partial
        ? new KafkaSendError(`${err.message} (some of the records were written before)`, 'unknown', { cause: err })
        : err,
    );
  }

  private async produce(records: readonly Pending[]): Promise<ProduceResult[]> {
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic);
      if (list) list.push(r.message);
      else byTopic.set(r.topic, [r.message]);
      this.inFlight.set(r.message, r);
    }
    let metadata: Awaited<ReturnType<Producer['sendBatch']>>;
    try {
      metadata = await this.producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } finally {
      for (const r of records) this.inFlight.delete(r.message);
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
