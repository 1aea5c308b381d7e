import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConsumerGroups, CUSTOMER_EVENT_TYPE_HEADER, Topics } from '@nurt/contracts';
import { DeadLetterHeaders, loadKafkaEnv, tailTopic, type TailedRecord, type TopicTail } from '@nurt/kafka';
import type { ProfileDto } from '@nurt/recommendation';
import { recommendation } from '../apps/services/recommendation.js';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { groupLag, plainKafka, startGroupAtEnd } from './support/kafka.js';
import { getJson, startServiceApp } from './support/pipeline.js';
import { runId, waitFor } from './support/wait.js';

const run = runId();
const suffix = `-it-${run}`;
const GROUP = ConsumerGroups.Recommendation;
/** The id the broker knows this run's group by: what a dead letter must name. */
const brokerGroup = `${GROUP}${suffix}`;
const id = 8_000_000_000 + Math.floor(Math.random() * 1_000_000);
const key = String(id);
const customer = {
  id,
  name: 'Anna',
  email: `anna-${run}@example.com`,
  city: 'Gdansk',
  segment: 'premium',
  createdAt: '2026-11-24T10:00:00.000Z',
  updatedAt: '2026-11-24T10:00:00.000Z',
};

describe('customers topic: bad records are dead-lettered, good ones applied (real broker, PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let app: NestFastifyApplication;
  let url: string;
  const tails: TopicTail[] = [];
  const customerLetters: TailedRecord[] = [];
  // This run's dead letters: other consumers of the shared topics (an `npm start` monolith in
  // another suite, with the unsuffixed groups) dead-letter the same bad records under their own group.
  const mine = (): TailedRecord[] =>
    customerLetters.filter((d) => d.key === key && d.headers[DeadLetterHeaders.Group] === brokerGroup);
  const transactionLetters: TailedRecord[] = [];

  async function produce(
    topic: string,
    messages: { key: string; value: string | null; headers?: Record<string, string> }[],
  ) {
    const producer = plainKafka(`customers-dlq-${run}`).producer();
    await producer.connect();
    try {
      return await producer.send({ topic, messages });
    } finally {
      await producer.disconnect();
    }
  }

  async function watch(topic: string, into: TailedRecord[]): Promise<void> {
    const groupId = `${topic}-watch-${run}`;
    await startGroupAtEnd(groupId, topic);
    tails.push(
      await tailTopic(loadKafkaEnv(), {
        topic,
        groupId,
        onRecord: (r) => {
          if (r.headers[DeadLetterHeaders.Group]?.startsWith(GROUP)) into.push(r);
        },
      }),
    );
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase('nurt_customers_dlq');
    await watch(Topics.CustomersDlq, customerLetters);
    await watch(Topics.TransactionsDlq, transactionLetters);
    ({ app, url } = await startServiceApp({
      name: `customers-dlq-${run}`,
      services: [recommendation],
      groupSuffix: suffix,
      databaseUrl: scratch.url,
    }));
  });

  afterAll(async () => {
    for (const tail of tails) await tail.stop();
    await app?.close();
    await scratch?.drop();
  });

  it('dead-letters each bad record naming what was wrong, with its origin and the suffixed group, and applies the good one behind them', async () => {
    const good = JSON.stringify(customer);
    const type = (t: string): Record<string, string> => ({ [CUSTOMER_EVENT_TYPE_HEADER]: t });
    // One key, so one partition: the good record is behind every bad one.
    const bad = [
      { key, value: `{"id":${id},"name":`, headers: type('created') },
      { key, value: JSON.stringify({ ...customer, segment: 'gold' }), headers: type('updated') },
      { key, value: good },
      { key, value: good, headers: type('upserted') },
    ];
    const sent = await produce(Topics.Customers, [...bad, { key, value: good, headers: type('created') }]);
    const partition = sent[0]?.partition;
    const base = BigInt(sent[0]?.baseOffset ?? '0');

    await waitFor('the good record in the local customers view', async () => {
      const res = await fetch(`${url}/customers/${key}/profile`);
      return res.status === 200 && ((await res.json()) as ProfileDto).segment === 'premium';
    });
    expect(await getJson<ProfileDto>(`${url}/customers/${key}/profile`)).toMatchObject({
      customerId: key,
      transactions: 0,
      segment: 'premium',
      city: 'Gdansk',
    });

    await waitFor('four dead letters on customers.dlq', () => mine().length === 4);
    const letters = mine();
    expect(letters.map((d) => [d.headers[DeadLetterHeaders.Reason], d.headers[DeadLetterHeaders.Error]])).toEqual([
      ['parse', expect.stringMatching(/^value is not JSON: /) as string],
      ['validation', 'segment: segment must be one of the following values: premium, standard, basic'],
      ['validation', '$headers.event-type: missing; a record with a value needs created or updated'],
      ['validation', '$headers.event-type: "upserted" is not one of created, updated, deleted'],
    ]);
    letters.forEach((d, i) => {
      expect(d.headers).toMatchObject({
        [DeadLetterHeaders.OriginTopic]: Topics.Customers,
        [DeadLetterHeaders.OriginPartition]: String(partition),
        [DeadLetterHeaders.OriginOffset]: String(base + BigInt(i)),
        [DeadLetterHeaders.Group]: brokerGroup,
        [DeadLetterHeaders.Attempts]: '0',
      });
      // Original bytes and headers kept, so the record can be fixed and replayed.
      expect(d.value?.toString()).toBe(bad[i]?.value);
    });
    expect(letters[0]?.headers[CUSTOMER_EVENT_TYPE_HEADER]).toBe('created');
  });

  it('keeps going: a tombstone without a header deletes the customer, and the group catches up to the end', async () => {
    await produce(Topics.Customers, [{ key, value: null }]);
    await waitFor('the delete', async () => (await fetch(`${url}/customers/${key}/profile`)).status === 404);
    await waitFor('no lag on customers', async () => (await groupLag(brokerGroup, Topics.Customers)) === 0);
    expect(mine()).toHaveLength(4);
  });

  it('names the suffixed group on a transactions dead letter too', async () => {
    const store = `Torun-${run}`;
    await produce(Topics.Transactions, [
      { key: store, value: JSON.stringify({ id: `${run}-x`, amount: -5, store, type: 'purchase' }) },
    ]);
    const letter = (): TailedRecord | undefined =>
      transactionLetters.find((d) => d.key === store && d.headers[DeadLetterHeaders.Group] === brokerGroup);
    await waitFor('the transactions dead letter', () => letter() !== undefined);
    expect(letter()?.headers).toMatchObject({
      [DeadLetterHeaders.Reason]: 'validation',
      [DeadLetterHeaders.Error]: expect.stringMatching(/^amount: /) as string,
      [DeadLetterHeaders.OriginTopic]: Topics.Transactions,
      [DeadLetterHeaders.Group]: brokerGroup,
    });
  });
});
