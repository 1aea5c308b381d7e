// Retention: Kafka keeps records for a configured time (retention.ms), not until they are read, and
// deletes them a whole segment at a time; a new group "from the beginning" starts at the oldest
// record still stored (the log start offset), not at offset 0.
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { explain, labBrokers, openScope, runPrefix, sleep, table, waitFor, type Cleaned, type Lab } from './kit.js';

export interface Offsets {
  readonly partition: number;
  readonly low: number;
  readonly high: number;
}

export interface RetentionEvidence {
  readonly topic: string;
  readonly retentionMs: number;
  readonly segmentMs: number;
  /** log.retention.check.interval.ms of each broker, as the brokers report it. */
  readonly checkIntervalMs: number;
  /** Each partition's low (log start) and high offsets, sampled while records were written (ms since the first write). */
  readonly samples: readonly { readonly atMs: number; readonly offsets: readonly Offsets[] }[];
  /** From the first write to the first sample with every partition's low offset past 0. */
  readonly firstDeletionMs: number;
  /** The new group (earliest): the low offsets just before it started, the first offset it read per partition, the low offsets right after. */
  readonly replay: {
    readonly lowBefore: readonly Offsets[];
    readonly firstRead: readonly { readonly partition: number; readonly offset: number }[];
    readonly lowAfter: readonly Offsets[];
    /** Every offset the group read, per partition, in order. */
    readonly read: readonly { readonly partition: number; readonly offsets: readonly number[] }[];
  };
  readonly written: number;
  readonly cleaned: Cleaned;
}

const PARTITIONS = 2;
/** The longest retention check this lab waits for; the brokers' default is 300000 (5 minutes). */
export const MAX_CHECK_INTERVAL_MS = 10_000;
const CHECK_INTERVAL = 'log.retention.check.interval.ms';

/** Each broker's log.retention.check.interval.ms; undefined where the broker does not say (not allowed). */
export async function retentionCheckIntervals(admin: Admin): Promise<{ broker: number; ms: number | undefined }[]> {
  const { brokers } = await admin.describeCluster();
  return Promise.all(
    brokers.map(async ({ nodeId }) => {
      try {
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [
            { type: kafkajs.ConfigResourceTypes.BROKER, name: String(nodeId), configNames: [CHECK_INTERVAL] },
          ],
        });
        const value = resources[0]?.configEntries.find((e) => e.configName === CHECK_INTERVAL)?.configValue;
        return { broker: nodeId, ms: value === undefined ? undefined : Number(value) };
      } catch {
        return { broker: nodeId, ms: undefined };
      }
    }),
  );
}

/** Why this lab cannot run on brokers with these intervals (one line, what to do), or undefined. */
export function slowRetentionCheck(
  intervals: readonly { broker: number; ms: number | undefined }[],
  brokers: string,
): string | undefined {
  const slow = intervals.filter((i) => i.ms !== undefined && i.ms > MAX_CHECK_INTERVAL_MS);
  if (slow.length === 0) return undefined;
  const ms = Math.max(...slow.map((i) => i.ms ?? 0));
  return (
    `the broker at ${brokers} looks for expired segments only every ${ms / 1000} s (${CHECK_INTERVAL}=${ms}` +
    `${slow.length < intervals.length ? ` on broker(s) ${slow.map((i) => i.broker).join(', ')}` : ''}, a static setting read at start), ` +
    `so records would outlive a retention.ms of seconds by minutes; tools/kafka/server.properties sets 2000: restart ` +
    `the local broker to pick it up (npm run kafka:stop && npm run kafka:start), or point KAFKA_BROKERS at a broker ` +
    `that checks at least every ${MAX_CHECK_INTERVAL_MS / 1000} s`
  );
}

const byPartition = (a: { partition: number }, b: { partition: number }): number => a.partition - b.partition;

export const retention: Lab<RetentionEvidence> = {
  name: 'retention',
  summary: 'a topic keeping records 3-6 s: watch whole segments deleted, the low offset move, a new group start there',
  async run({ log, short }) {
    const prefix = runPrefix('retention');
    const topic = `${prefix}-transactions`;
    const retentionMs = short ? 3000 : 6000;
    const segmentMs = 1000;
    const writeEveryMs = short ? 250 : 500;
    const scope = await openScope(prefix, log);
    let writing = false;
    let writer: Promise<void> | undefined;
    try {
      const intervals = await retentionCheckIntervals(scope.admin);
      const problem = slowRetentionCheck(intervals, labBrokers().join(','));
      if (problem) throw new Error(problem);
      const known = intervals.flatMap((i) => (i.ms === undefined ? [] : [i.ms]));
      const checkIntervalMs = known.length > 0 ? Math.max(...known) : MAX_CHECK_INTERVAL_MS;
      explain(
        log,
        `Create ${topic}: ${PARTITIONS} partitions, retention.ms=${retentionMs}, segment.ms=${segmentMs}`,
        "Unlike a queue, Kafka does not delete a record when it is read: it keeps it for the topic's retention",
        "(nurt's transactions: 7 days) and deletes it then, whether anybody read it or not. A partition's log is",
        'a series of segment files; the broker deletes only whole segments, once the newest record in a segment',
        `is older than retention.ms. segment.ms=${segmentMs} closes a segment (and opens the next) every second, so`,
        'there is something to delete every second. (segment.bytes cannot help on Kafka 4: it must be >= 1 MiB.)',
        `The broker looks for expired segments every ${CHECK_INTERVAL} = ${known.length > 0 ? `${checkIntervalMs} ms` : `? ms (not readable here; the lab stops waiting after a while)`}`,
        `(Kafka's default is 5 minutes; tools/kafka sets 2 s).`,
      );
      await scope.createTopic(topic, PARTITIONS, [
        { name: 'retention.ms', value: String(retentionMs) },
        { name: 'segment.ms', value: String(segmentMs) },
      ]);

      const producer = scope.kafka.producer();
      scope.defer('producer', () => producer.disconnect());
      await producer.connect();
      let written = 0;
      const startedAt = Date.now();
      writing = true;
      writer = (async () => {
        for (let seq = 0; writing; seq++) {
          await producer.send({
            topic,
            messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
              partition,
              value: JSON.stringify({ id: `TX${7000 + seq}`, partition, writtenAtMs: Date.now() - startedAt }),
            })),
          });
          written += PARTITIONS;
          await sleep(writeEveryMs);
        }
      })();

      const offsets = async (): Promise<Offsets[]> =>
        (await scope.admin.fetchTopicOffsets(topic))
          .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
          .sort(byPartition);
      explain(
        log,
        `Write one record to each partition every ${writeEveryMs} ms, and watch each partition's offsets`,
        'low = the log start offset (the oldest record still stored), high = the next offset to be written.',
        'high - low = what is still stored. Deleted records take their offsets with them: low only grows.',
      );
      const samples: { atMs: number; offsets: Offsets[] }[] = [];
      const header = ['after (s)', ...Array.from({ length: PARTITIONS }, (_, p) => `p${p} low..high (stored)`)];
      const row = (s: { atMs: number; offsets: Offsets[] }): string[] => [
        (s.atMs / 1000).toFixed(1).padStart(5),
        ...s.offsets.map((o) => `${o.low}..${o.high} (${o.high - o.low})`),
      ];
      const [head, rule] = table(header, [header.map(() => '')]);
      log(`   ${head}`);
      log(`   ${rule}`);
      const sample = async (): Promise<void> => {
        const s = { atMs: Date.now() - startedAt, offsets: await offsets() };
        samples.push(s);
        log(`   ${table(header, [row(s)])[2]}`);
      };
      // Deleted: the first segments once their newest record is retention.ms old and a check runs.
      const deadline = retentionMs + segmentMs + 3 * checkIntervalMs + 15_000;
      let firstDeletionMs = -1;
      await waitFor(
        `every partition's low offset to move past 0 (retention.ms=${retentionMs} plus a ${CHECK_INTERVAL} of ` +
          `${checkIntervalMs} ms; a broker also checks first only log.initial.task.delay.ms after its start, 30 s by default, 2 s in tools/kafka)`,
        async () => {
          await sample();
          const deleted = samples.at(-1)?.offsets.every((o) => o.low > 0) ?? false;
          if (deleted && firstDeletionMs < 0) firstDeletionMs = samples.at(-1)?.atMs ?? -1;
          if (!deleted) await sleep(short ? 500 : 1000);
          return deleted;
        },
        deadline,
      );
      // Full mode: watch it move on for a few more seconds.
      for (let i = 0; i < (short ? 0 : 4); i++) {
        await sleep(1500);
        await sample();
      }
      log(
        `   the first segments were deleted ${(firstDeletionMs / 1000).toFixed(1)} s after the first write: retention.ms ${retentionMs} ms after`,
      );
      log(`   their newest record, plus up to one ${CHECK_INTERVAL} (${checkIntervalMs} ms).`);

      explain(
        log,
        'A new consumer group with fromBeginning: true (auto_offset_reset="earliest")',
        'Earliest means the oldest record still stored: the low offset, not offset 0. The deleted records are',
        'gone for every group: a group that was down longer than the retention loses them (its committed offset',
        'is out of range and it starts again at earliest). Records keep being written while it reads.',
      );
      const lowBefore = await offsets();
      const read = new Map<number, number[]>();
      const consumer = scope.consumer({ groupId: `${prefix}-late-reader` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          read.set(partition, [...(read.get(partition) ?? []), Number(message.offset)]);
          return Promise.resolve();
        },
      });
      await waitFor('the new group to read from every partition', () => read.size === PARTITIONS, 30_000);
      const lowAfter = await offsets();
      const target = lowAfter.map((o) => o.high);
      await waitFor(
        'the new group to catch up',
        () => target.every((high, p) => (read.get(p)?.at(-1) ?? -1) >= high - 1),
        30_000,
      );
      await consumer.disconnect();
      writing = false;
      await writer;
      const firstRead = [...read.entries()]
        .map(([partition, offs]) => ({ partition, offset: offs[0] ?? -1 }))
        .sort(byPartition);
      for (const line of table(
        ['partition', 'low before it started', 'first offset it read', 'low right after', 'offsets 0.. never seen'],
        firstRead.map((f) => [
          f.partition,
          lowBefore[f.partition]?.low ?? '?',
          f.offset,
          lowAfter[f.partition]?.low ?? '?',
          `${f.offset} records (deleted)`,
        ]),
      ))
        log(`   ${line}`);

      explain(
        log,
        'What this shows',
        `${written} records written; every partition's low offset moved from 0 as whole segments expired, while`,
        'high kept growing: retention is about time, not about being read. A new group replays only what is still',
        'stored. For nurt this is why a group can rebuild its view from the log only within the retention',
        "(npm run rebuild), and why the customers topic is compacted instead: it keeps each key's latest record.",
      );
      return {
        topic,
        retentionMs,
        segmentMs,
        checkIntervalMs,
        samples,
        firstDeletionMs,
        replay: {
          lowBefore,
          firstRead,
          lowAfter,
          read: [...read.entries()].map(([partition, offs]) => ({ partition, offsets: offs })).sort(byPartition),
        },
        written,
        cleaned: scope.cleaned(),
      };
    } finally {
      writing = false;
      await writer?.catch(() => undefined);
      await scope.close();
    }
  },
};
