// Where a consumer group starts: a new group at the earliest or the latest offset (auto.offset.reset,
// kafkajs `fromBeginning`); a group that committed resumes at its committed offset, whatever that setting.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../cli.js';
import {
  explain,
  joinedAndFetching,
  openScope,
  runPrefix,
  seen,
  sleep,
  waitFor,
  type Cleaned,
  type Lab,
  type SeenRecord,
} from './kit.js';

export interface ConsumerOffsetsEvidence {
  /** Offsets a new group read when it started at the earliest / the latest offset (old 0..4, new 5..7). */
  readonly earliest: readonly number[];
  readonly latest: readonly number[];
  readonly oldRecords: number;
  readonly newRecords: number;
  /** The consumer that commits, stops and restarts. */
  readonly resume: {
    readonly firstRun: readonly number[];
    /** The group's committed offset as the broker stores it after the first run: the next offset to read. */
    readonly committedAfterFirstRun: number;
    readonly secondRun: readonly number[];
    readonly written: number;
  };
  /** Where nurt sets fromBeginning (file:line: code). */
  readonly nurtSettings: readonly string[];
  readonly cleaned: Cleaned;
}

/** Every `fromBeginning` in libs/kafka/src (not the specs): where nurt chooses its start. */
function whereNurtSetsIt(): string[] {
  const dir = join(repoRoot, 'libs/kafka/src');
  const hits: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
    .sort()) {
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.includes('fromBeginning'))
          hits.push(`${relative(repoRoot, join(dir, file))}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

export const consumerOffsets: Lab<ConsumerOffsetsEvidence> = {
  name: 'consumer-offsets',
  summary: 'a new group starts at the earliest or the latest offset; a group that committed resumes where it stopped',
  async run({ log, short }) {
    const prefix = runPrefix('offsets');
    const topic = `${prefix}-transactions`;
    const resumeTopic = `${prefix}-resume`;
    const oldRecords = 5;
    const newRecords = 3;
    const scope = await openScope(prefix, log);
    const value = (i: number): string => JSON.stringify({ id: `TX${5000 + i}`, amount: 100 + i, store: 'Warsaw' });
    try {
      await scope.createTopic(topic, 1);
      await scope.createTopic(resumeTopic, 1);
      const producer = scope.kafka.producer();
      scope.defer('producer', () => producer.disconnect());
      await producer.connect();

      explain(
        log,
        `1. A new group: earliest or latest? (topic ${topic}, 1 partition)`,
        `Write ${oldRecords} records (offsets 0..${oldRecords - 1}) before any group exists. Then start two new groups:`,
        '  earliest: fromBeginning: true  (auto_offset_reset="earliest" in the lecture\'s Python consumer)',
        '  latest:   fromBeginning: false (the default: only what is written after the group starts)',
        `and write ${newRecords} more once both are running. A new group has no committed offset, so this setting decides.`,
      );
      await producer.send({ topic, messages: Array.from({ length: oldRecords }, (_, i) => ({ value: value(i) })) });
      const reads = new Map<string, SeenRecord[]>([
        ['earliest', []],
        ['latest', []],
      ]);
      const started: Promise<number[]>[] = [];
      for (const [name, fromBeginning] of [
        ['earliest', true],
        ['latest', false],
      ] as const) {
        const consumer = scope.consumer({ groupId: `${prefix}-${name}` });
        started.push(joinedAndFetching(consumer));
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning });
        await consumer.run({
          eachMessage: ({ partition, message }) => {
            reads.get(name)?.push(seen(partition, message));
            return Promise.resolve();
          },
        });
      }
      await Promise.all(started);
      await producer.send({
        topic,
        messages: Array.from({ length: newRecords }, (_, i) => ({ value: value(oldRecords + i) })),
      });
      const earliestRead = reads.get('earliest') ?? [];
      const latestRead = reads.get('latest') ?? [];
      await waitFor('both groups to read the new records', () => {
        return earliestRead.length >= oldRecords + newRecords && latestRead.length >= newRecords;
      });
      await sleep(300); // anything more would show up now
      const earliest = earliestRead.map((r) => r.offset);
      const latest = latestRead.map((r) => r.offset);
      log(`   earliest read offsets ${earliest.join(' ')}  (${earliest.length} records: the old ones and the new)`);
      log(
        `   latest   read offsets ${latest.join(' ')}  (${latest.length} records: only those written after it started)`,
      );

      const nurtSettings = whereNurtSetsIt();
      explain(
        log,
        'Where nurt sets it',
        ...nurtSettings,
        "Projections (the services' consumer groups) start a new group from the beginning: a new group builds",
        'its view from the whole log. After that, the committed offset decides, as part 2 shows.',
      );

      const written = short ? 8 : 10;
      const stopAfter = short ? 3 : 4;
      const whileStopped = 3;
      const groupId = `${prefix}-resume`;
      explain(
        log,
        `2. Commit, stop, restart (group ${groupId}, topic ${resumeTopic})`,
        `Write ${written} records. A consumer processes records one by one and commits after each one the offset of`,
        `the next record to read (offset + 1). It stops after ${stopAfter}: what it fetched beyond that is neither`,
        `processed nor committed. While it is down ${whileStopped} more records arrive. Then it starts again, in the`,
        'same group, with fromBeginning: true on purpose: the committed offset wins over that setting.',
      );
      await producer.send({
        topic: resumeTopic,
        messages: Array.from({ length: written }, (_, i) => ({ value: value(i) })),
      });
      const firstRun: number[] = [];
      const first = scope.consumer({ groupId });
      await first.connect();
      await first.subscribe({ topic: resumeTopic, fromBeginning: true });
      await first.run({
        autoCommit: false,
        eachMessage: async ({ topic: t, partition, message }) => {
          if (firstRun.length >= stopAfter) return; // stopping: neither processed nor committed
          firstRun.push(Number(message.offset));
          await first.commitOffsets([{ topic: t, partition, offset: String(Number(message.offset) + 1) }]);
        },
      });
      await waitFor(`the first run to process ${stopAfter} records`, () => firstRun.length >= stopAfter);
      await first.disconnect();
      const [committed] = await scope.admin.fetchOffsets({ groupId, topics: [resumeTopic] });
      const committedAfterFirstRun = Number(committed?.partitions[0]?.offset ?? -1);
      log(`   first run processed offsets ${firstRun.join(' ')}, then stopped (disconnected)`);
      log(`   the broker stores for ${groupId}: committed offset ${committedAfterFirstRun} (the next record to read)`);

      await producer.send({
        topic: resumeTopic,
        messages: Array.from({ length: whileStopped }, (_, i) => ({ value: value(written + i) })),
      });
      log(`   ${whileStopped} records written while it was down (offsets ${written}..${written + whileStopped - 1})`);
      const secondRun: number[] = [];
      const second = scope.consumer({ groupId });
      await second.connect();
      await second.subscribe({ topic: resumeTopic, fromBeginning: true });
      await second.run({
        eachMessage: ({ message }) => {
          secondRun.push(Number(message.offset));
          return Promise.resolve();
        },
      });
      const total = written + whileStopped;
      await waitFor('the second run to catch up', () => secondRun.length >= total - committedAfterFirstRun);
      await sleep(300);
      await second.disconnect();
      log(`   second run read offsets ${secondRun.join(' ')}`);
      const all = [...firstRun, ...secondRun].sort((a, b) => a - b);
      const exact = all.length === total && all.every((o, i) => o === i);
      log(
        `   together: ${all.length} of ${total} records, ${exact ? 'each exactly once: nothing skipped, nothing read twice' : 'NOT each exactly once'}`,
      );
      explain(
        log,
        'What this shows',
        "A group's position is the offset it committed, stored by the broker (in __consumer_offsets), not in",
        'the consumer: a restarted (or replacement) consumer continues there. Committing after processing',
        'means a crash between the two re-reads the last record (at-least-once): a consumer must tolerate that.',
      );
      return {
        earliest,
        latest,
        oldRecords,
        newRecords,
        resume: { firstRun, committedAfterFirstRun, secondRun, written: total },
        nurtSettings,
        cleaned: scope.cleaned(),
      };
    } finally {
      await scope.close();
    }
  },
};
