import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { TopicContract } from '@nurt/contracts';
import { isObservable, lastValueFrom } from 'rxjs';
import { applyInOrder } from './batch-apply.js';
import type { ConsumedRecord, RecordBatch } from './consumed-record.js';
import { DeadLetterWriter, type DeadLetter } from './dead-letters.js';
import { brokerGroupId, type KafkaEnv } from './kafka.config.js';
import type { Admin, Consumer, EachBatchPayload, Kafka } from './kafkajs.js';
import { CLEAR_VIEW_PATTERN, groupTransport, type ProjectionDefinition } from './projection.decorators.js';
import type { ProjectionMetrics } from './projection.metrics.js';
import { messageOf, rawRecordOf, type SharedDecoder } from './record-decoder.js';
import type { TopicBootstrap } from './topic-bootstrap.service.js';
import { planRebuild, type PartitionOffsets, type RebuildFrom, type ReplayedPartition } from './rebuild-plan.js';

/** Why a rebuild, stop or start of a group did not happen; the group goes on as it was. */
export class GroupChangeRefused extends Error {
  override readonly name = 'GroupChangeRefused';
}

/** What /health shows of a group. */
export type GroupState =
  | 'joining'
  | 'consuming'
  | 'rebalancing'
  | 'restarting'
  | 'rebuilding'
  | 'crashed'
  | 'stopped'
  /** Left the group on an operator's request (`POST /admin/groups/:group/stop`): deliberate, not a fault. */
  | 'stopped-by-operator';

export interface GroupStatus {
  readonly state: GroupState;
  /** Partitions this process holds, per topic (empty until it joined). */
  readonly partitions: Readonly<Record<string, readonly number[]>>;
  /** When the group entered this state. */
  readonly since: string;
  readonly error?: string;
}

/** Well inside the session timeout, so a long batch or a backoff never costs the group its partitions. */
const HEARTBEAT_EVERY_MS = 3000;

/**
 * One consumer group as a Nest transport: a kafkajs consumer running `eachBatch`, whose records
 * reach the group's `@OnBatch` handlers (Nest message handlers bound to this server's transport id)
 * as typed batches. Per batch, one partition's records from one fetch:
 * 1. every record is decoded and validated once, with the topic's contract; bad ones are
 *    dead-lettered (today's `dlq-*` headers), in order;
 * 2. the valid ones go to the handler as one batch, which applies them in one database transaction;
 *    a failure is retried with backoff, then narrowed down to the failing record (`applyInOrder`);
 * 3. offsets are marked processed only after the handler resolved, and kafkajs commits them after
 *    the batch. It heartbeats while a batch runs and stops at `isStale()` (the partition moved on).
 */
export class ProjectionServer extends Server implements CustomTransportStrategy {
  override readonly transportId: symbol;
  // Handler errors come back to this server (processBatch), which retries and dead-letters them.
  override propagatesEventHandlerErrors = true;
  readonly name: string;
  private readonly log: Logger;
  private readonly contracts: ReadonlyMap<string, TopicContract<unknown>>;
  private consumer: Consumer | null = null;
  private closing = false;
  private rebuilding = false;
  private current: GroupStatus = { state: 'stopped', partitions: {}, since: new Date().toISOString() };

  constructor(
    private readonly kafka: Kafka,
    private readonly env: KafkaEnv,
    readonly definition: ProjectionDefinition,
    private readonly deadLetters: DeadLetterWriter,
    private readonly metrics: ProjectionMetrics,
    private readonly decoder: SharedDecoder,
    private readonly topics: Pick<TopicBootstrap, 'isReady' | 'ready'>,
  ) {
    super();
    this.name = definition.group;
    this.transportId = groupTransport(definition.group);
    this.contracts = new Map(definition.contracts.map((c) => [c.topic, c]));
    this.log = new Logger(`group ${brokerGroupId(env, definition.group)}`);
  }

  groupStatus(): GroupStatus {
    return this.current;
  }

  listen(callback: (err?: unknown) => void): void {
    if (this.topics.isReady()) {
      this.start().then(
        () => callback(),
        (err: unknown) => callback(err),
      );
      return;
    }
    // The app started without Kafka: it serves meanwhile, and the group joins once the broker
    // answers and the topics are declared.
    this.setState('joining', { error: 'waiting for Kafka to answer' });
    callback();
    void this.topics.ready().then(async () => {
      if (this.closing || this.consumer !== null) return;
      await this.start().catch((err: unknown) => this.setState('crashed', { error: messageOf(err) }));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.stopConsumer();
  }

  /**
   * Rebuilds the group's view from the log: stops the group (the batch in hand finishes and is
   * committed), checks that no other member is left in it, rewinds its offsets on every topic it
   * reads, clears its view (`@OnRebuild`), and starts it again; it then replays into the empty view.
   * Refused, with the group left as it was, where the group declares no `@OnRebuild`, another
   * instance is in the group, or the log no longer holds records the view was built from (unless
   * forced). Resolves with what will be replayed; the group's lag shows the progress.
   */
  async rebuild(from: RebuildFrom, force: boolean): Promise<readonly ReplayedPartition[]> {
    const groupId = brokerGroupId(this.env, this.name);
    if (!this.definition.rebuildable) {
      throw new GroupChangeRefused(`${this.name} declares no @OnRebuild method: it cannot clear its view`);
    }
    if (this.rebuilding || this.closing)
      throw new GroupChangeRefused(`${this.name} is already being rebuilt or stopped`);
    this.rebuilding = true;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const plan = planRebuild(groupId, from, await this.offsets(admin, from), force);
      if (!plan.ok) throw new GroupChangeRefused(plan.reason);
      this.log.warn(
        `rebuilding from ${from === 'earliest' ? 'the start of the log' : from.toISOString()}: ${plan.records} records to replay`,
      );
      await this.stopConsumer();
      this.setState('rebuilding');
      try {
        const [described] = (await admin.describeGroups([groupId])).groups;
        const members = described?.members ?? [];
        if (members.length > 0) {
          const who = members.map((m) => `${m.clientId}@${m.clientHost}`).join(', ');
          throw new GroupChangeRefused(
            `${groupId} has ${members.length} other member(s) (${who}): a rebuild needs the group to itself; stop the other instances, or scale the service to one, and try again`,
          );
        }
        // Rewound before the view is cleared: should clearing fail, the group replays onto the
        // view it had, and its claims make that change nothing.
        for (const topic of this.contracts.keys()) {
          const partitions = plan.partitions.filter((p) => p.topic === topic);
          await admin.setOffsets({
            groupId,
            topic,
            partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.from) })),
          });
        }
        await this.clearView();
      } finally {
        // Not after a shutdown that came meanwhile (SIGTERM): the app is closing the group for good.
        if (!this.closing) await this.start();
      }
      return plan.partitions;
    } finally {
      this.rebuilding = false;
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Leaves the group until `startGroup` (an operator's stop: `POST /admin/groups/:group/stop`). */
  async stopGroup(): Promise<void> {
    if (this.rebuilding || this.closing) throw new GroupChangeRefused(`${this.name} is being rebuilt or shut down`);
    await this.stopConsumer('stopped-by-operator');
  }

  /** Joins the group again after `stopGroup`; a member already running is left as it is. */
  async startGroup(): Promise<void> {
    if (this.rebuilding || this.closing) throw new GroupChangeRefused(`${this.name} is being rebuilt or shut down`);
    if (this.consumer === null) await this.start();
  }

  /** Each partition of the group's topics: log start and end, and with a time the first offset at or after it. */
  private async offsets(admin: Admin, from: RebuildFrom): Promise<PartitionOffsets[]> {
    const all: PartitionOffsets[] = [];
    for (const topic of this.contracts.keys()) {
      const ends = await admin.fetchTopicOffsets(topic);
      const atTime =
        from === 'earliest'
          ? undefined
          : new Map(
              (await admin.fetchTopicOffsetsByTimestamp(topic, from.getTime())).map((o) => [
                o.partition,
                Number(o.offset),
              ]),
            );
      for (const e of ends) {
        all.push({
          topic,
          partition: e.partition,
          low: Number(e.low),
          high: Number(e.high),
          ...(atTime ? { atTime: atTime.get(e.partition) ?? Number(e.high) } : {}),
        });
      }
    }
    return all;
  }

  /** Calls the group's `@OnRebuild` handler through Nest. */
  private async clearView(): Promise<void> {
    const handler = this.getHandlerByPattern(CLEAR_VIEW_PATTERN);
    if (!handler) throw new Error(`${this.name} has no @OnRebuild handler`);
    const result: unknown = await handler({ group: this.name });
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }

  /** kafkajs lets the batch in hand finish (it stops early at the next record boundary it can), commits what was marked processed, and leaves the group. */
  private async stopConsumer(ending: GroupState = 'stopped'): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.disconnect();
    this.setState(ending);
  }

  on(): never {
    throw new Error('ProjectionServer has no events to listen to');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('Not started: call startProjections() first');
    return this.consumer as T;
  }

  private setState(state: GroupState, extra: Partial<GroupStatus> = {}): void {
    this.current = {
      state,
      partitions: extra.partitions ?? (state === 'consuming' ? this.current.partitions : {}),
      since: new Date().toISOString(),
      ...(extra.error !== undefined ? { error: extra.error } : {}),
    };
    this._status$.next(state);
  }

  private async start(): Promise<void> {
    const topics = [...this.contracts.keys()];
    const missing = topics.filter((t) => !this.getHandlerByPattern(t));
    if (missing.length > 0) {
      throw new Error(`consumer group ${this.name}: no handler registered for ${missing.join(', ')}`);
    }
    const consumer = this.kafka.consumer({
      groupId: brokerGroupId(this.env, this.name),
      allowAutoTopicCreation: false,
      sessionTimeout: this.env.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: this.env.KAFKA_HEARTBEAT_INTERVAL_MS,
      maxBytesPerPartition: this.env.KAFKA_FETCH_MAX_BYTES_PER_PARTITION,
    });
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, ({ payload }) =>
      this.setState('consuming', { partitions: payload.memberAssignment }),
    );
    consumer.on(events.REBALANCING, () => this.setState('rebalancing'));
    consumer.on(events.CRASH, ({ payload }) => {
      this.setState(payload.restart ? 'restarting' : 'crashed', { error: payload.error.message });
    });
    // A consumer this server stopped on purpose ends in the state stopConsumer says, without a
    // passing 'stopped' (which /health counts as down).
    consumer.on(events.STOP, () => {
      if (this.consumer === consumer) this.setState('stopped');
    });
    this.consumer = consumer;
    this.setState('joining');
    await consumer.connect();
    // A new group builds its view from the whole log (auto.offset.reset=earliest).
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.env.KAFKA_PARTITIONS_CONCURRENTLY,
      eachBatch: (payload) => this.processBatch(payload),
    });
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const heartbeat = (): Promise<void> => payload.heartbeat();
    const resolveOffset = (offset: string): void => payload.resolveOffset(offset);
    const { topic, partition } = batch;
    const contract = this.contracts.get(topic);
    if (!contract) throw new Error(`consumer group ${this.name} got records of ${topic}, which it does not read`);
    const stopped = (): boolean => this.closing || !payload.isRunning() || payload.isStale();

    const labels = { group: this.name, topic };
    this.metrics.batchRecords.observe(labels, batch.messages.length);
    this.metrics.records.inc({ ...labels, outcome: 'consumed' }, batch.messages.length);
    const valid: ConsumedRecord<unknown>[] = [];
    const invalid: DeadLetter[] = [];
    for (const message of batch.messages) {
      const decoded = this.decoder.decode(topic, partition, message, contract);
      if (decoded.ok) valid.push(decoded.record);
      else invalid.push({ ...decoded.letter, group: this.name, topic: contract.deadLetterTopic });
    }
    // Written before anything after them is marked processed; if the write fails, the batch fails
    // and kafkajs delivers it again: a record is never skipped without a dead letter.
    if (invalid.length > 0) {
      await this.deadLetters.write(invalid);
      this.metrics.records.inc({ ...labels, outcome: 'dead_lettered' }, invalid.length);
    }

    const finished = await applyInOrder(valid, {
      retries: this.env.KAFKA_HANDLER_RETRIES,
      apply: async (records) => {
        const end = this.metrics.applySeconds.startTimer(labels);
        try {
          await this.withHeartbeats(heartbeat, () =>
            this.handle({ group: this.name, topic, partition, records, highWatermark: batch.highWatermark }),
          );
          this.metrics.records.inc({ ...labels, outcome: 'applied' }, records.length);
        } finally {
          end();
        }
      },
      done: (last) => resolveOffset(last.offset),
      stopped,
      backoff: async (attempt) => {
        const until = Date.now() + this.env.KAFKA_HANDLER_BACKOFF_MS * 2 ** (attempt - 1);
        for (let left = until - Date.now(); left > 0 && !stopped(); left = until - Date.now()) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(left, HEARTBEAT_EVERY_MS)));
          await heartbeat();
        }
      },
      failed: (err, records, attempt) => {
        this.metrics.records.inc({ ...labels, outcome: 'retried' }, records.length);
        const first = records[0]?.offset ?? '?';
        const last = records[records.length - 1]?.offset ?? '?';
        this.log.warn(
          `${topic}/${partition}@${first}..${last} (${records.length} records) failed, attempt ${attempt}: ${messageOf(err)}`,
        );
      },
      deadLetter: async (record, err, attempts) => {
        // The original bytes, for the dead letter: rare, so looked up only here.
        const message = batch.messages.find((m) => m.offset === record.offset);
        if (!message) throw new Error(`offset ${record.offset} is not in the batch of ${topic}/${partition}`);
        await this.deadLetters.write([
          {
            record: rawRecordOf(topic, partition, message),
            topic: contract.deadLetterTopic,
            group: this.name,
            reason: 'handler',
            error: messageOf(err),
            attempts,
          },
        ]);
        this.metrics.records.inc({ ...labels, outcome: 'dead_lettered' });
      },
    });
    // Trailing records that were dead-lettered, and a batch of nothing but dead letters, move on too.
    if (finished && !stopped()) resolveOffset(batch.lastOffset());
  }

  /** Calls the group's handler for the topic through Nest (pipes, interceptors, filters). */
  private async handle(batch: RecordBatch<unknown>): Promise<void> {
    const handler = this.getHandlerByPattern(batch.topic);
    if (!handler) throw new Error(`no handler for ${batch.topic}`);
    const result: unknown = await handler(batch);
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }

  /** Runs `work`, heartbeating every few seconds meanwhile, so that a long transaction keeps the membership. */
  private async withHeartbeats<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      // A rebalance shows here first; the next heartbeat between steps raises it where it counts.
      heartbeat().catch(() => undefined);
    }, HEARTBEAT_EVERY_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }
}
