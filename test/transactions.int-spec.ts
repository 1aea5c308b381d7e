import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Payload } from '@nestjs/microservices';
import { Topics, TransactionsTopic, type Transaction } from '@nurt/contracts';
import {
  DeadLetterHeaders,
  loadKafkaEnv,
  OnBatch,
  Projection,
  tailTopic,
  type RecordBatch,
  type TailedRecord,
  type TopicTail,
} from '@nurt/kafka';
import { transactions } from '../apps/services/transactions.js';
import { plainKafka, startGroupAtEnd } from './support/kafka.js';
import { startServiceApp } from './support/pipeline.js';
import { runId, sleep, waitFor } from './support/wait.js';

const run = runId();
const PROBE_GROUP = `it-${run}-probe`;
const env = { KAFKA_HANDLER_RETRIES: '2', KAFKA_HANDLER_BACKOFF_MS: '50' };

/** What the probe group applied (this run's ids only), in arrival order, and how often each was attempted. */
const applied: { tx: Transaction; partition: number; offset: string }[] = [];
const attempts = new Map<string, number>();

/** Applies a batch all or nothing, like a feature's database transaction; a batch holding a poison id fails. */
@Projection(PROBE_GROUP)
class ProbeProjection {
  @OnBatch(TransactionsTopic)
  async handle(@Payload() batch: RecordBatch<Transaction>): Promise<void> {
    const mine = batch.records.filter((r) => r.value.id.startsWith(run));
    for (const r of mine) attempts.set(r.value.id, (attempts.get(r.value.id) ?? 0) + 1);
    await Promise.resolve();
    if (mine.some((r) => r.value.id.includes('always-fails'))) throw new Error('store ledger unavailable');
    applied.push(...mine.map((r) => ({ tx: r.value, partition: r.partition, offset: r.offset })));
  }
}

const ids = (prefix: string): string[] => applied.map((a) => a.tx.id).filter((id) => id.startsWith(prefix));

describe('transactions: REST ingest, consumption, dead letters (real broker)', () => {
  let app: NestFastifyApplication;
  let base = '';
  /** A real HTTP round trip (Fastify's inject cannot load under Jest's ESM runtime). */
  const post = async (path: string, payload: unknown): Promise<{ statusCode: number; json: <T>() => T }> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const body: unknown = await res.json();
    return { statusCode: res.status, json: <T>() => body as T };
  };
  let dlqTail: TopicTail;
  const deadLetters: TailedRecord[] = [];

  beforeAll(async () => {
    await startGroupAtEnd(`${PROBE_GROUP}-dlq`, Topics.TransactionsDlq);
    let url: string;
    ({ app, url } = await startServiceApp({
      name: `transactions-it-${run}`,
      services: [
        transactions,
        {
          name: 'probe',
          description: 'a consumer group that records what it applies',
          modules: () => [],
          projections: [ProbeProjection],
          kafka: true,
          database: false,
        },
      ],
      groupSuffix: '',
      env,
    }));
    base = url;
    dlqTail = await tailTopic(loadKafkaEnv({ ...process.env, ...env }), {
      topic: Topics.TransactionsDlq,
      groupId: `${PROBE_GROUP}-dlq`,
      onRecord: (r) => {
        if (r.headers[DeadLetterHeaders.Group] === PROBE_GROUP) deadLetters.push(r);
      },
    });
  });

  afterAll(async () => {
    await dlqTail?.stop();
    await app?.close();
  });

  it("accepts the lecture's transaction with 202 and where the broker put it, and a consumer gets it with defaults", async () => {
    const id = `${run}-lecture-rest`;
    const res = await post('/transactions', { id, amount: 1250.0, store: 'Warsaw', type: 'purchase' });
    expect(res.statusCode).toBe(202);
    const body = res.json<{ id: string; topic: string; partition: number; offset: string }>();
    expect(body).toMatchObject({ id, topic: Topics.Transactions });
    expect(body.partition).toBeGreaterThanOrEqual(0);
    expect(body.partition).toBeLessThan(6);

    await waitFor('the probe group to apply it', () => ids(id).length === 1);
    const seen = applied.find((a) => a.tx.id === id);
    expect(seen).toMatchObject({ partition: body.partition, offset: body.offset });
    expect(seen?.tx).toMatchObject({ amount: 1250, currency: 'PLN', store: 'Warsaw', type: 'purchase' });
    expect(Date.parse(seen?.tx.occurredAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps one store on one partition in order, and spreads a round-robin batch', async () => {
    const keyed = Array.from({ length: 20 }, (_, i) => ({
      id: `${run}-keyed-${i}`,
      amount: 10 + i,
      store: `Gdansk-${run}`,
      type: 'purchase',
    }));
    const res = await post('/transactions/batch', { transactions: keyed });
    expect(res.statusCode).toBe(202);
    const accepted = res.json<{ accepted: { id: string; partition: number; offset: string }[] }>().accepted;
    expect(accepted.map((a) => a.id)).toEqual(keyed.map((k) => k.id));
    expect(new Set(accepted.map((a) => a.partition)).size).toBe(1);
    const offsets = accepted.map((a) => BigInt(a.offset));
    expect(offsets.every((o, i) => i === 0 || o === (offsets[i - 1] ?? 0n) + 1n)).toBe(true);

    const spread = Array.from({ length: 12 }, (_, i) => ({
      id: `${run}-rr-${i}`,
      amount: 5,
      store: `Gdansk-${run}`,
      type: 'withdrawal',
    }));
    const rr = await post('/transactions/batch?partitioning=round-robin', { transactions: spread });
    expect(rr.statusCode).toBe(202);
    const partitions = rr.json<{ accepted: { partition: number }[] }>().accepted.map((a) => a.partition);
    expect(new Set(partitions).size).toBe(6);

    await waitFor('the keyed batch', () => ids(`${run}-keyed-`).length === 20);
    expect(ids(`${run}-keyed-`)).toEqual(keyed.map((k) => k.id));
  });

  it.each([
    [{ id: 'TX1', amount: -1, store: 'Warsaw', type: 'purchase' }, 'amount'],
    [{ id: 'TX1', amount: 1, store: 'Warsaw', type: 'gift' }, 'type'],
    [{ id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase', colour: 'red' }, 'colour'],
  ])('answers 400 naming the field for %j', async (payload, field) => {
    const res = await post('/transactions', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
  });

  it('refuses an empty batch, one over 1000, a bad item (naming it) and an unknown partitioning', async () => {
    const item = { id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase' };
    const empty = await post('/transactions/batch', { transactions: [] });
    expect(empty.statusCode).toBe(400);
    const tooMany = await post('/transactions/batch', {
      transactions: Array.from({ length: 1001 }, (_, i) => ({ ...item, id: `TX${i}` })),
    });
    expect(tooMany.statusCode).toBe(400);
    const bad = await post('/transactions/batch', { transactions: [item, { ...item, amount: 'lots' }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('transactions.1.amount');
    const how = await post('/transactions?partitioning=random', item);
    expect(how.statusCode).toBe(400);
  });

  it('dead-letters malformed JSON and invalid fields with the reason and origin, and keeps the partition flowing', async () => {
    const producer = plainKafka('poison').producer();
    await producer.connect();
    const key = `Poznan-${run}`;
    let sent;
    try {
      sent = await producer.send({
        topic: Topics.Transactions,
        messages: [
          { key, value: `{"id":"${run}-broken","amount":` },
          { key, value: JSON.stringify({ id: `${run}-negative`, amount: -5, store: key, type: 'purchase' }) },
          { key, value: Buffer.from([0, 1, 2, 3]) },
          { key, value: JSON.stringify({ id: `${run}-after-poison`, amount: 7.5, store: key, type: 'refund' }) },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const base = BigInt(sent[0]?.baseOffset ?? '0');
    const partition = sent[0]?.partition;

    await waitFor('the valid record behind the poison', () => ids(`${run}-after-poison`).length === 1);
    await waitFor('three dead letters', () => deadLetters.filter((d) => d.key === key).length === 3);
    const letters = deadLetters.filter((d) => d.key === key);
    expect(letters.map((d) => d.headers[DeadLetterHeaders.Reason])).toEqual(['parse', 'validation', 'parse']);
    expect(letters.map((d) => d.headers[DeadLetterHeaders.OriginOffset])).toEqual(
      [0n, 1n, 2n].map((i) => String(base + i)),
    );
    for (const d of letters) {
      expect(d.headers[DeadLetterHeaders.OriginTopic]).toBe(Topics.Transactions);
      expect(d.headers[DeadLetterHeaders.OriginPartition]).toBe(String(partition));
    }
    expect(letters[0]?.headers[DeadLetterHeaders.Error]).toMatch(/not JSON/);
    expect(letters[1]?.headers[DeadLetterHeaders.Error]).toMatch(/^amount: /);
    // The original bytes are kept, so an operator can fix and replay them.
    expect(letters[0]?.value?.toString()).toBe(`{"id":"${run}-broken","amount":`);
    expect([...(letters[2]?.value ?? [])]).toEqual([0, 1, 2, 3]);
  });

  it('retries a failing batch with backoff, narrows it down to the failing record, dead-letters only that one and moves on', async () => {
    const store = `Lublin-${run}`;
    const res = await post('/transactions/batch', {
      transactions: [
        { id: `${run}-always-fails`, amount: 3, store, type: 'purchase' },
        { id: `${run}-after-failure`, amount: 4, store, type: 'purchase' },
      ],
    });
    expect(res.statusCode).toBe(202);
    await waitFor('the record after the failing one', () => ids(`${run}-after-failure`).length === 1);
    // Its batch was tried 3 times, then the failing record alone (and 3 times more if it shared the batch).
    expect([3, 6]).toContain(attempts.get(`${run}-always-fails`));
    await waitFor('its dead letter', () => deadLetters.some((d) => d.key === store));
    const letter = deadLetters.find((d) => d.key === store);
    expect(letter?.headers).toMatchObject({
      [DeadLetterHeaders.Reason]: 'handler',
      [DeadLetterHeaders.Error]: 'store ledger unavailable',
      [DeadLetterHeaders.Attempts]: '3',
      [DeadLetterHeaders.Group]: PROBE_GROUP,
    });
    expect(JSON.parse(letter?.value?.toString() ?? '{}')).toMatchObject({ id: `${run}-always-fails` });
  });

  it("processes the lecture's exact message from a plain Kafka client: no key, no headers", async () => {
    const id = `${run}-TX5001`;
    const producer = plainKafka('lecture').producer();
    await producer.connect();
    const before = Date.now();
    try {
      await producer.send({
        topic: Topics.Transactions,
        messages: [{ value: JSON.stringify({ id, amount: 1250.0, store: 'Warsaw', type: 'purchase' }) }],
      });
    } finally {
      await producer.disconnect();
    }
    await waitFor('the lecture message', () => ids(id).length === 1);
    const tx = applied.find((a) => a.tx.id === id)?.tx;
    expect(tx).toMatchObject({ amount: 1250, currency: 'PLN', store: 'Warsaw', type: 'purchase' });
    expect(tx?.customerId).toBeUndefined();
    // occurredAt defaults to the record's timestamp, which the client set at send time.
    expect(Date.parse(tx?.occurredAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    await sleep(500);
    expect(ids(id)).toHaveLength(1);
  });
});
