// A record's key decides its partition (hash(key) mod partitions): one key, one partition, in order.
// Without a key the records are spread in turn over all partitions.
import { STORES } from '@nurt/contracts';
import { explain, openScope, runPrefix, seen, table, waitFor, type Cleaned, type Lab, type SeenRecord } from './kit.js';

export interface KeysVsRoundRobinEvidence {
  readonly partitions: number;
  readonly keyed: {
    readonly topic: string;
    /** Each key and the partitions its records were read back from (one, if keys work). */
    readonly partitionsByKey: Readonly<Record<string, readonly number[]>>;
    /** Each key's sequence numbers in the order they were read back (1, 2, 3, ...: in order). */
    readonly sequenceByKey: Readonly<Record<string, readonly number[]>>;
    readonly countsByPartition: readonly number[];
  };
  readonly unkeyed: { readonly topic: string; readonly countsByPartition: readonly number[] };
  readonly cleaned: Cleaned;
}

interface Sent {
  readonly store: string;
  readonly seq: number;
}

const PARTITIONS = 6;

export const keysVsRoundRobin: Lab<KeysVsRoundRobinEvidence> = {
  name: 'keys-vs-round-robin',
  summary: "keyed records (12 stores) vs unkeyed: each key's records on one partition, in order; unkeyed spread evenly",
  async run({ log, short }) {
    const prefix = runPrefix('keys');
    const keyedTopic = `${prefix}-keyed`;
    const unkeyedTopic = `${prefix}-unkeyed`;
    const perStore = short ? 5 : 20;
    const stores = STORES.map((s) => s.store);
    const total = stores.length * perStore;
    const scope = await openScope(prefix, log);
    try {
      explain(
        log,
        `Two topics of ${PARTITIONS} partitions: ${keyedTopic} and ${unkeyedTopic}`,
        `Write ${total} transactions to each: ${perStore} per store for ${stores.length} stores, interleaved`,
        '(Warsaw #1, Krakow #1, ..., Warsaw #2, ...). To the first with the store as the key (as nurt does:',
        'tools/transactions/produce.ts sends key: tx.store), to the second without a key.',
      );
      await scope.createTopic(keyedTopic, PARTITIONS);
      await scope.createTopic(unkeyedTopic, PARTITIONS);
      const producer = scope.kafka.producer();
      scope.defer('producer', () => producer.disconnect());
      await producer.connect();
      const sends: Sent[] = [];
      for (let seq = 1; seq <= perStore; seq++) for (const store of stores) sends.push({ store, seq });
      // One batch per round, so the per-key order is the order sent.
      for (let seq = 1; seq <= perStore; seq++) {
        const round = sends.filter((s) => s.seq === seq).map((s) => ({ key: s.store, value: JSON.stringify(s) }));
        await producer.send({ topic: keyedTopic, messages: round });
        await producer.send({ topic: unkeyedTopic, messages: round.map((m) => ({ value: m.value })) });
      }

      explain(log, 'Read both topics back (one consumer, from the beginning)');
      const read: (SeenRecord & { topic: string })[] = [];
      const consumer = scope.consumer({ groupId: `${prefix}-reader` });
      await consumer.connect();
      await consumer.subscribe({ topics: [keyedTopic, unkeyedTopic], fromBeginning: true });
      await consumer.run({
        eachMessage: ({ topic, partition, message }) => {
          read.push({ topic, ...seen(partition, message) });
          return Promise.resolve();
        },
      });
      await waitFor(`${2 * total} records read back`, () => read.length >= 2 * total);
      await consumer.disconnect();

      const keyed = read.filter((r) => r.topic === keyedTopic);
      const unkeyed = read.filter((r) => r.topic === unkeyedTopic);
      const counts = (records: SeenRecord[]): number[] =>
        Array.from({ length: PARTITIONS }, (_, p) => records.filter((r) => r.partition === p).length);
      const partitionsByKey: Record<string, number[]> = {};
      const sequenceByKey: Record<string, number[]> = {};
      // Read order within a partition is offset order; sort to be sure.
      for (const r of [...keyed].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
        const sent = JSON.parse(r.value) as Sent;
        const key = r.key ?? '(none)';
        partitionsByKey[key] = [...new Set([...(partitionsByKey[key] ?? []), r.partition])];
        sequenceByKey[key] = [...(sequenceByKey[key] ?? []), sent.seq];
      }

      explain(log, 'Keyed: which partition each store landed on');
      const inOrder = (seqs: readonly number[]): boolean => seqs.every((s, i) => s === i + 1);
      for (const line of table(
        ['store (key)', 'partition(s)', 'records', 'sequence in order?'],
        stores.map((store) => [
          store,
          (partitionsByKey[store] ?? []).join(','),
          sequenceByKey[store]?.length ?? 0,
          inOrder(sequenceByKey[store] ?? []) ? 'yes (1..' + perStore + ')' : 'NO',
        ]),
      ))
        log(`   ${line}`);

      explain(log, 'Records per partition');
      const keyedCounts = counts(keyed);
      const unkeyedCounts = counts(unkeyed);
      for (const line of table(
        ['partition', 'keyed (stores on it)', 'unkeyed'],
        keyedCounts.map((n, p) => [
          p,
          `${n} (${stores.filter((s) => partitionsByKey[s]?.includes(p)).join(', ') || 'no store'})`,
          unkeyedCounts[p] ?? 0,
        ]),
      ))
        log(`   ${line}`);

      const empty = keyedCounts.filter((n) => n === 0).length;
      const expectedEmpty = PARTITIONS * ((PARTITIONS - 1) / PARTITIONS) ** stores.length;
      explain(
        log,
        'What this shows',
        `Every store's records sit on exactly one partition, in the order they were sent: a consumer of that`,
        "partition sees one store's transactions in order (what per-key ordering in the lecture means).",
        `The partition is murmur2(key) mod ${PARTITIONS}: a fixed function of the key, not of the load.`,
        `With only ${stores.length} keys on ${PARTITIONS} partitions some partitions get several stores and some may`,
        `get none: here ${empty} empty; on average ${expectedEmpty.toFixed(2)} of ${PARTITIONS} would be (${stores.length} balls thrown into`,
        `${PARTITIONS} bins). An empty partition's consumer idles however busy the topic is, and a busy`,
        'store makes its partition hot: a key spreads load only as well as the keys do.',
        "Without a key the producer deals records out in turn, so the counts are even but a store's",
        'transactions end up on every partition, and no consumer sees them all in order.',
      );
      return {
        partitions: PARTITIONS,
        keyed: { topic: keyedTopic, partitionsByKey, sequenceByKey, countsByPartition: keyedCounts },
        unkeyed: { topic: unkeyedTopic, countsByPartition: unkeyedCounts },
        cleaned: scope.cleaned(),
      };
    } finally {
      await scope.close();
    }
  },
};
