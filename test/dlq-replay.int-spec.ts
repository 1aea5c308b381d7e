import { Topics } from '@nurt/contracts';
import { DeadLetterHeaders, loadKafkaEnv, tailTopic, type TailedRecord, type TopicTail } from '@nurt/kafka';
import { REPLAYED_FROM_HEADER, type ReplayOptions } from '../tools/dlq/replay-plan.js';
import { replayDeadLetters, replayGroupId, type ReplaySummary } from '../tools/dlq/replayer.js';
import { ensureDeclaredTopics, plainKafka, startGroupAtEnd } from './support/kafka.js';
import { makeTransactions } from './support/pipeline.js';
import { runId, sleep, waitFor } from './support/wait.js';

const run = runId();
/** The replay's own group gets a run-unique suffix, as KAFKA_GROUP_SUFFIX gives every group. */
const env = loadKafkaEnv({ ...process.env, KAFKA_GROUP_SUFFIX: `-it-${run}` });
const store = `Torun-${run}`;
const [down1, down2, invalid] = makeTransactions(run, 3, [store], 2);
/** A --reason only this run's database-down dead letters match: the DLQ is shared with other suites. */
const dbDown = `ECONNREFUSED 127.0.0.1:5432 (${run})`;

function deadLetter(tx: unknown, reason: string, error: string, originOffset: number) {
  return {
    key: store,
    value: JSON.stringify(tx),
    headers: {
      'content-type': 'application/json',
      'trace-id': `trace-${run}-${originOffset}`,
      [DeadLetterHeaders.Error]: error,
      [DeadLetterHeaders.Reason]: reason,
      [DeadLetterHeaders.OriginTopic]: Topics.Transactions,
      [DeadLetterHeaders.OriginPartition]: '2',
      [DeadLetterHeaders.OriginOffset]: String(originOffset),
      [DeadLetterHeaders.Group]: `reporting-it-${run}`,
      [DeadLetterHeaders.Attempts]: reason === 'handler' ? '4' : '0',
    },
  };
}

const letters = [
  deadLetter(down1, 'handler', `connect ${dbDown}`, 100),
  deadLetter(invalid, 'validation', `amount: amount must be a positive number (${run})`, 101),
  deadLetter(down2, 'handler', `connect ${dbDown}`, 102),
];

describe('dlq:replay: dead letters go back to their origin topic once (real broker)', () => {
  let tail: TopicTail;
  const replayedRecords: TailedRecord[] = [];
  let first: bigint;
  let lines: string[] = [];

  async function replay(options: Partial<ReplayOptions>): Promise<ReplaySummary> {
    lines = [];
    return replayDeadLetters(
      { topic: Topics.TransactionsDlq, reason: dbDown, dryRun: false, ...options },
      { env, out: (line) => lines.push(line) },
    );
  }

  async function committed(): Promise<string | undefined> {
    const admin = plainKafka(`dlq-replay-admin-${run}`).admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({
        groupId: replayGroupId(env, Topics.TransactionsDlq),
        topics: [Topics.TransactionsDlq],
      });
      return t?.partitions[0]?.offset;
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    await ensureDeclaredTopics();
    const watchGroup = `dlq-replay-watch-${run}`;
    await startGroupAtEnd(watchGroup, Topics.Transactions);
    tail = await tailTopic(loadKafkaEnv(), {
      topic: Topics.Transactions,
      groupId: watchGroup,
      onRecord: (r) => {
        if (r.key === store) replayedRecords.push(r);
      },
    });
    const producer = plainKafka(`dlq-replay-${run}`).producer();
    await producer.connect();
    try {
      const [sent] = await producer.send({ topic: Topics.TransactionsDlq, messages: letters });
      first = BigInt(sent?.baseOffset ?? '-1');
    } finally {
      await producer.disconnect();
    }
  });

  afterAll(async () => {
    await tail?.stop();
  });

  it('--dry-run says what it would replay, publishes nothing and commits nothing', async () => {
    const summary = await replay({ dryRun: true, fromOffset: first, toOffset: first + 2n });
    expect(summary).toMatchObject({ replayed: 2, skipped: 1, unroutable: 0, complete: true, dryRun: true });
    expect(lines.filter((l) => /^(would replay|replayed|skipped) /.test(l))).toEqual([
      expect.stringMatching(new RegExp(`^would replay ${first} → transactions key=${store} reason=handler `)),
      expect.stringMatching(new RegExp(`^skipped ${first + 1n} → transactions key=${store} reason=validation `)),
      expect.stringMatching(new RegExp(`^would replay ${first + 2n} → transactions key=${store} reason=handler `)),
    ]);
    await sleep(2000);
    expect(replayedRecords).toHaveLength(0);
    expect(await committed()).toBe('-1');
  });

  it('republishes exactly the matching dead letters with their original key, value and headers', async () => {
    const summary = await replay({ fromOffset: first, toOffset: first + 2n });
    expect(summary).toMatchObject({ replayed: 2, skipped: 1, unroutable: 0, complete: true, dryRun: false });
    await waitFor('two replayed records on transactions', () => replayedRecords.length >= 2);
    await sleep(2000);
    const byId = (r: TailedRecord): string => (JSON.parse(r.value?.toString() ?? 'null') as { id: string }).id;
    expect(replayedRecords.map(byId).sort()).toEqual([down1?.id, down2?.id].sort());
    for (const r of replayedRecords) {
      const i = byId(r) === down1?.id ? 0 : 2;
      expect(r.key).toBe(store);
      expect(r.value?.toString()).toBe(letters[i]?.value);
      expect(r.headers).toEqual({
        'content-type': 'application/json',
        'trace-id': letters[i]?.headers['trace-id'],
        [REPLAYED_FROM_HEADER]: `${Topics.TransactionsDlq}:0:${first + BigInt(i)}`,
      });
    }
    expect(await committed()).toBe(String(first + 3n));
  });

  it('a second run from the committed position replays nothing', async () => {
    const summary = await replay({});
    expect(summary).toMatchObject({ replayed: 0, unroutable: 0, complete: true });
    expect(lines.some((l) => l.startsWith('replayed '))).toBe(false);
    await sleep(2000);
    expect(replayedRecords).toHaveLength(2);
  });
});
