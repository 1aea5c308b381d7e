// The Kafka half of `npm run dlq:replay`: reads a DLQ topic from the replay's own consumer group up
// to the end offsets it had at start, republishes the matching dead letters to their origin topic
// and commits past each record once it is dealt with, so that the next run starts after it.
import { brokerGroupId, kafkaClientConfig, KafkaProducer, type KafkaEnv } from '@nurt/kafka';
import kafkajs from 'kafkajs';
import { decide, formatLine, singleHeaders, type DeadLetter, type ReplayOptions } from './replay-plan.js';

export interface ReplaySummary {
  readonly groupId: string;
  readonly replayed: number;
  readonly skipped: number;
  /** Skipped because they had no origin topic, or one they may not go back to: the run fails on these. */
  readonly unroutable: number;
  /** False when the run stopped before the end offsets (idle timeout); --limit stopping it early is complete. */
  readonly complete: boolean;
  readonly dryRun: boolean;
}

export interface ReplayDeps {
  readonly env: KafkaEnv;
  /** One line per dead letter and the summary. */
  readonly out: (line: string) => void;
  /** Give up when no record arrives for this long before the end offsets are reached (default 20 s). */
  readonly idleTimeoutMs?: number;
}

/** The replay's consumer group for a DLQ topic, with KAFKA_GROUP_SUFFIX like every other group. */
export function replayGroupId(env: Pick<KafkaEnv, 'KAFKA_GROUP_SUFFIX'>, dlqTopic: string): string {
  return brokerGroupId(env, `nurt-dlq-replay-${dlqTopic}`);
}

interface Range {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

export async function replayDeadLetters(options: ReplayOptions, deps: ReplayDeps): Promise<ReplaySummary> {
  const { env, out } = deps;
  const topic = options.topic;
  const groupId = replayGroupId(env, topic);
  const kafka = new kafkajs.Kafka({ ...kafkaClientConfig(env, 'dlq-replay'), logLevel: kafkajs.logLevel.NOTHING });

  const ranges = await plan(kafka, groupId, options);
  let replayed = 0;
  let skipped = 0;
  let unroutable = 0;
  let complete = true;
  const summary = (): ReplaySummary => ({ groupId, replayed, skipped, unroutable, complete, dryRun: options.dryRun });
  /** The next offset to handle per partition: nothing is handled twice, even if a fetch raced the seek. */
  const next = new Map([...ranges].map(([p, r]) => [p, r.start]));
  const pending = new Set([...ranges].filter(([, r]) => r.start < r.end).map(([p]) => p));
  for (const [partition, r] of ranges) {
    out(
      `${topic}/${partition}: ${r.start < r.end ? `offsets ${r.start}..${r.end - 1n}` : `nothing to read (at ${r.start})`}`,
    );
  }

  if (pending.size > 0) {
    const producer = options.dryRun ? null : KafkaProducer.standalone(env, 'dlq-replay');
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    let finish!: (err?: Error) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = (err?: Error) => (err === undefined ? resolve() : reject(err));
    });
    let stopped = false;
    const stop = (err?: Error): void => {
      if (stopped) return;
      stopped = true;
      finish(err);
    };
    const idleMs = deps.idleTimeoutMs ?? 20_000;
    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        complete = false;
        out(
          `stopped: no record for ${idleMs} ms before the end offsets (partitions ${[...pending].join(', ')} unfinished)`,
        );
        stop();
      }, idleMs);
    };

    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const range = ranges.get(partition);
          if (stopped || !range || !pending.has(partition)) return;
          const offset = BigInt(message.offset);
          if (offset < (next.get(partition) ?? range.start)) return;
          if (offset >= range.end) {
            pending.delete(partition);
            if (pending.size === 0) stop();
            return;
          }
          touch();
          try {
            const letter: DeadLetter = {
              partition,
              offset: message.offset,
              key: message.key ?? null,
              value: message.value ?? null,
              headers: singleHeaders(message.headers),
            };
            const decision = decide(letter, options);
            if (decision.action === 'replay') {
              await producer?.send({
                topic: decision.target,
                key: letter.key,
                value: letter.value,
                headers: decision.headers,
              });
              replayed++;
            } else {
              skipped++;
              if (decision.unroutable) unroutable++;
            }
            out(formatLine(letter, decision, options.dryRun));
            if (!options.dryRun) {
              await consumer.commitOffsets([{ topic, partition, offset: String(offset + 1n) }]);
            }
          } catch (err: unknown) {
            stop(err instanceof Error ? err : new Error(`replaying offset ${message.offset} failed`));
            return;
          }
          next.set(partition, offset + 1n);
          if (offset + 1n >= range.end) pending.delete(partition);
          if (pending.size === 0 || (options.limit !== undefined && replayed >= options.limit)) stop();
        },
      });
      // Seeks apply once the partitions are assigned; without --from-offset the committed offset (or the
      // earliest one, for a group that never committed) is where plan() said reading starts.
      if (options.fromOffset !== undefined) {
        for (const [partition, r] of ranges) consumer.seek({ topic, partition, offset: String(r.start) });
      }
      touch();
      await finished;
    } finally {
      clearTimeout(idle);
      await consumer.disconnect().catch(() => undefined);
      await producer?.onApplicationShutdown();
    }
  }

  const s = summary();
  out(
    `summary: ${options.dryRun ? 'dry run, nothing published or committed; would replay' : 'replayed'} ${s.replayed}, ` +
      `skipped ${s.skipped} (${s.unroutable} without a valid origin topic) from ${topic} as group ${groupId}` +
      (s.complete ? '' : '; stopped before the end offsets'),
  );
  return s;
}

/** Per partition: where reading starts (--from-offset, else the group's committed offset, else the earliest) and ends. */
async function plan(kafka: kafkajs.Kafka, groupId: string, options: ReplayOptions): Promise<Map<number, Range>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(options.topic),
      admin.fetchOffsets({ groupId, topics: [options.topic] }),
    ]);
    const at = new Map(committed[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
    const ranges = new Map<number, Range>();
    for (const e of ends) {
      const low = BigInt(e.low);
      let end = BigInt(e.high);
      if (options.toOffset !== undefined && options.toOffset + 1n < end) end = options.toOffset + 1n;
      const position = options.fromOffset ?? at.get(e.partition) ?? -1n;
      const start = position < low ? low : position;
      ranges.set(e.partition, { start, end });
    }
    return ranges;
  } finally {
    await admin.disconnect();
  }
}
