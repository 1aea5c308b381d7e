// A topic is split into partitions; each partition is an ordered log whose records are numbered by offset.
import { explain, openScope, runPrefix, seen, table, waitFor, type Cleaned, type Lab, type SeenRecord } from './kit.js';

export interface TopicsPartitionsOffsetsEvidence {
  readonly topic: string;
  readonly partitions: number;
  /** Where the broker said it wrote each record (the producer's acknowledgement), in send order. */
  readonly written: readonly { readonly value: string; readonly partition: number; readonly offset: number }[];
  /** Per partition: the earliest offset still stored and the next offset to be written, before and after. */
  readonly offsetsBefore: readonly { readonly partition: number; readonly low: number; readonly high: number }[];
  readonly offsetsAfter: readonly { readonly partition: number; readonly low: number; readonly high: number }[];
  /** Every record as a consumer read it back. */
  readonly readBack: readonly SeenRecord[];
  readonly cleaned: Cleaned;
}

const PARTITIONS = 3;

export const topicsPartitionsOffsets: Lab<TopicsPartitionsOffsetsEvidence> = {
  name: 'topics-partitions-offsets',
  summary: 'a topic of 3 partitions: write records, see each land at a partition and offset, read the offsets back',
  async run({ log, short }) {
    const prefix = runPrefix('tpo');
    const topic = `${prefix}-transactions`;
    const count = short ? 9 : 12;
    const scope = await openScope(prefix, log);
    try {
      explain(
        log,
        `Create topic ${topic} with ${PARTITIONS} partitions`,
        'A topic is a named channel; a partition is one ordered, append-only log of it. Partitions are what',
        'lets several consumers read one topic in parallel. Each partition numbers its records 0, 1, 2, ...:',
        'that number is the offset.',
      );
      await scope.createTopic(topic, PARTITIONS);
      const metadata = await scope.admin.fetchTopicMetadata({ topics: [topic] });
      const partitionsMeta = [...(metadata.topics[0]?.partitions ?? [])].sort((a, b) => a.partitionId - b.partitionId);
      for (const line of table(
        ['partition', 'leader broker', 'replicas'],
        partitionsMeta.map((p) => [p.partitionId, p.leader, p.replicas.join(',')]),
      ))
        log(`   ${line}`);

      const offsets = async (): Promise<{ partition: number; low: number; high: number }[]> =>
        (await scope.admin.fetchTopicOffsets(topic))
          .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
          .sort((a, b) => a.partition - b.partition);
      const offsetsBefore = await offsets();

      explain(
        log,
        `Write ${count} records without a key, one at a time`,
        'Without a key the producer spreads records over the partitions in turn (round-robin); the broker',
        "acknowledges each with the partition and offset it was appended at: the record's address.",
      );
      const producer = scope.kafka.producer();
      scope.defer('producer', () => producer.disconnect());
      await producer.connect();
      const written: { value: string; partition: number; offset: number }[] = [];
      for (let i = 1; i <= count; i++) {
        const value = JSON.stringify({ id: `TX${5000 + i}`, amount: 100 + i, store: 'Warsaw' });
        const [ack] = await producer.send({ topic, messages: [{ value }] });
        if (!ack) throw new Error('the broker acknowledged nothing');
        written.push({ value, partition: ack.partition, offset: Number(ack.baseOffset ?? -1) });
      }
      for (const line of table(
        ['record', 'partition', 'offset'],
        written.map((w) => [(JSON.parse(w.value) as { id: string }).id, w.partition, w.offset]),
      ))
        log(`   ${line}`);

      explain(
        log,
        'Read the offsets of each partition back from the broker',
        'low = the earliest offset still stored (older records were deleted by retention, none yet);',
        'high = the offset the next record will get. high - low = records stored in the partition.',
      );
      const offsetsAfter = await offsets();
      for (const line of table(
        ['partition', 'low before', 'high before', 'low after', 'high after', 'records'],
        offsetsAfter.map((a) => {
          const b = offsetsBefore.find((o) => o.partition === a.partition);
          return [a.partition, b?.low ?? '-', b?.high ?? '-', a.low, a.high, a.high - a.low];
        }),
      ))
        log(`   ${line}`);

      explain(
        log,
        'Read everything back with a consumer (a new group, from the beginning)',
        'Order is kept within a partition, not across partitions: compare the offsets below with the table above.',
      );
      const groupId = `${prefix}-reader`;
      const consumer = scope.consumer({ groupId });
      const readBack: SeenRecord[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          readBack.push(seen(partition, message));
          return Promise.resolve();
        },
      });
      await waitFor(`${count} records read back`, () => readBack.length >= count);
      await consumer.disconnect();
      for (let p = 0; p < PARTITIONS; p++) {
        const mine = readBack.filter((r) => r.partition === p);
        log(
          `   partition ${p}: ${mine.map((r) => `${(JSON.parse(r.value) as { id: string }).id}@${r.offset}`).join(' ')}`,
        );
      }
      const example = readBack.find((r) => r.offset === 1) ?? readBack[0];
      if (example) {
        log('');
        log(`   one record: partition=${example.partition} offset=${example.offset} value=${example.value}`);
        log(`   its address (${topic}, ${example.partition}, ${example.offset}) names it for as long as it is kept.`);
      }
      return {
        topic,
        partitions: PARTITIONS,
        written,
        offsetsBefore,
        offsetsAfter,
        readBack,
        cleaned: scope.cleaned(),
      };
    } finally {
      await scope.close();
    }
  },
};
