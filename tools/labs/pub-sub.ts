// Publish/subscribe: every consumer group reads every record of a topic, each at its own pace,
// because each group keeps its own offsets; reading a record does not remove it.
import { STORES } from '@nurt/contracts';
import {
  explain,
  joinedAndFetching,
  openScope,
  runPrefix,
  sleep,
  table,
  waitFor,
  type Cleaned,
  type Lab,
} from './kit.js';

export interface PubSubEvidence {
  readonly written: readonly string[];
  /** Each group's reads: the transaction ids in the order it processed them, and when it finished. */
  readonly groups: readonly {
    readonly name: string;
    readonly delayMs: number;
    readonly read: readonly string[];
    readonly finishedMs: number;
  }[];
  /** Records read per group, sampled while they ran (ms since the write). */
  readonly progress: readonly { readonly atMs: number; readonly read: Readonly<Record<string, number>> }[];
  readonly cleaned: Cleaned;
}

export const pubSub: Lab<PubSubEvidence> = {
  name: 'pub-sub',
  summary: 'three consumer groups (anti-fraud, reporting, recommendation) each read every record, at their own pace',
  async run({ log, short }) {
    const prefix = runPrefix('pubsub');
    const topic = `${prefix}-transactions`;
    const count = short ? 30 : 60;
    const slowMs = short ? 40 : 80;
    const plan = [
      { name: 'anti-fraud', delayMs: 0 },
      { name: 'reporting', delayMs: 0 },
      { name: 'recommendation', delayMs: slowMs },
    ];
    const scope = await openScope(prefix, log);
    try {
      await scope.createTopic(topic, 3);
      explain(
        log,
        `Three consumer groups subscribe to ${topic} (3 partitions)`,
        'As in the lecture: anti-fraud, reporting and recommendation, one consumer each. recommendation is',
        `slow on purpose: ${slowMs} ms per record. Then ${count} transactions are published once.`,
        'In a classic queue a message goes to one receiver and is gone; in Kafka each group has its own offsets,',
        'so each group reads every record, and a slow group delays no one but itself.',
      );
      const reads = new Map<string, { read: string[]; finishedMs: number }>();
      let writtenAt = Date.now();
      const joined: Promise<number[]>[] = [];
      for (const { name, delayMs } of plan) {
        const mine = { read: [] as string[], finishedMs: -1 };
        reads.set(name, mine);
        const consumer = scope.consumer({ groupId: `${prefix}-${name}` });
        joined.push(joinedAndFetching(consumer));
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            if (delayMs > 0) await sleep(delayMs);
            mine.read.push((JSON.parse(message.value?.toString() ?? '{}') as { id: string }).id);
            if (mine.read.length === count) mine.finishedMs = Date.now() - writtenAt;
          },
        });
      }
      await Promise.all(joined);

      const producer = scope.kafka.producer();
      scope.defer('producer', () => producer.disconnect());
      await producer.connect();
      const written = Array.from({ length: count }, (_, i) => `TX${6000 + i}`);
      writtenAt = Date.now();
      await producer.send({
        topic,
        messages: written.map((id, i) => {
          const store = STORES[i % STORES.length]?.store ?? 'Warsaw';
          return { key: store, value: JSON.stringify({ id, amount: 50 + i, store, type: 'purchase' }) };
        }),
      });
      log(`   published ${count} transactions once`);

      const progress: { atMs: number; read: Record<string, number> }[] = [];
      const sample = (): void => {
        const atMs = Date.now() - writtenAt;
        const read = Object.fromEntries(plan.map(({ name }) => [name, reads.get(name)?.read.length ?? 0]));
        progress.push({ atMs, read });
      };
      await waitFor(
        'every group to read every record',
        async () => {
          sample();
          await sleep(short ? 100 : 250);
          return plan.every(({ name }) => (reads.get(name)?.read.length ?? 0) >= count);
        },
        60_000,
      );
      sample();
      await sleep(300); // a record read twice would show up now

      explain(log, 'Records read per group while they ran');
      const shown = progress.filter((_, i) => i === 0 || i === progress.length - 1 || i % (short ? 3 : 2) === 0);
      for (const line of table(
        ['after', ...plan.map((p) => p.name)],
        shown.map((p) => [`${p.atMs} ms`, ...plan.map(({ name }) => `${p.read[name]}/${count}`)]),
      ))
        log(`   ${line}`);
      const groups = plan.map(({ name, delayMs }) => ({
        name,
        delayMs,
        read: [...(reads.get(name)?.read ?? [])],
        finishedMs: reads.get(name)?.finishedMs ?? -1,
      }));
      log('');
      for (const line of table(
        ['group', 'records read', 'distinct', 'all published?', 'done after'],
        groups.map((g) => [
          g.name,
          g.read.length,
          new Set(g.read).size,
          written.every((id) => g.read.includes(id)) ? 'yes' : 'NO',
          `${g.finishedMs} ms`,
        ]),
      ))
        log(`   ${line}`);
      explain(
        log,
        'What this shows',
        'One publish, three complete copies of the stream: the groups do not compete for records (consumers',
        'in ONE group do: see consumer-groups-rebalancing). The slow group lags behind and catches up on its',
        "own; nurt's services are such groups (fraud, reporting, recommendation each read transactions).",
      );
      return { written, groups, progress, cleaned: scope.cleaned() };
    } finally {
      await scope.close();
    }
  },
};
