import { KafkaContext } from '@nestjs/microservices';
import { ConsumerGroups, EXAMPLE_CUSTOMER, Topics } from '@nurt/contracts';
import { CustomerConsumer } from './customer-consumer.service.js';
import { DeadLetterHeaders, KafkaEventConsumer } from './event-consumer.service.js';
import { brokerGroupId, loadKafkaEnv } from './kafka.config.js';
import type { KafkaProducer, ProduceRecord } from './kafka-producer.service.js';
import { keepOriginal } from './kafka-record.js';
import type { Consumer, KafkaMessage, Producer } from './kafkajs.js';
import { TransactionConsumer } from './transaction-consumer.service.js';

/** A producer that records what would have been sent. */
function fakeProducer(): { producer: KafkaProducer; sent: ProduceRecord<unknown>[] } {
  const sent: ProduceRecord<unknown>[] = [];
  const producer = {
    send: (record: ProduceRecord<unknown>) => {
      sent.push(record);
      return Promise.resolve({ topic: record.topic, partition: 0, offset: '0' });
    },
  } as unknown as KafkaProducer;
  return { producer, sent };
}

/** The context Nest hands a handler for one record, with the original bytes kept as the server keeps them. */
function context(topic: string, value: string | null, headers: Record<string, string> = {}, key = '7'): KafkaContext {
  const message: KafkaMessage = {
    key: Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    offset: '41',
    timestamp: String(Date.UTC(2026, 10, 24)),
    attributes: 0,
  };
  keepOriginal(message);
  const heartbeat = (): Promise<void> => Promise.resolve();
  return new KafkaContext([message, 2, topic, {} as Consumer, heartbeat, {} as Producer]);
}

const header = (record: ProduceRecord<unknown> | undefined, name: string): string | undefined =>
  record?.headers?.[name]?.toString();

describe('KafkaEventConsumer dead letters', () => {
  const env = loadKafkaEnv({ KAFKA_GROUP_SUFFIX: '-staging', KAFKA_HANDLER_RETRIES: '0' });

  it('names the group as the broker knows it, with KAFKA_GROUP_SUFFIX', async () => {
    expect(brokerGroupId(env, 'reporting')).toBe('reporting-staging');
    const { producer, sent } = fakeProducer();
    const transactions = new TransactionConsumer(new KafkaEventConsumer(producer, env));
    const outcome = await transactions.consume(context(Topics.Transactions, '{"id":'), ConsumerGroups.Reporting, () =>
      Promise.resolve(),
    );
    expect(outcome).toMatchObject({ status: 'dead-lettered', reason: 'parse' });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.topic).toBe(Topics.TransactionsDlq);
    expect(header(sent[0], DeadLetterHeaders.Group)).toBe('reporting-staging');
  });

  it('sends a bad customers record to customers.dlq with the reason, the origin and the suffixed group', async () => {
    const { producer, sent } = fakeProducer();
    const customers = new CustomerConsumer(new KafkaEventConsumer(producer, env));
    const handled: unknown[] = [];
    const handle = (change: unknown): Promise<void> => {
      handled.push(change);
      return Promise.resolve();
    };
    const bad = JSON.stringify({ id: 7, name: 'Anna' });
    const outcome = await customers.consume(
      context(Topics.Customers, bad, { 'event-type': 'updated', trace: 'abc' }),
      ConsumerGroups.Recommendation,
      handle,
    );
    expect(outcome).toMatchObject({ status: 'dead-lettered', reason: 'validation' });
    expect(handled).toEqual([]);
    expect(sent).toHaveLength(1);
    const letter = sent[0];
    expect(letter?.topic).toBe(Topics.CustomersDlq);
    expect(letter?.key?.toString()).toBe('7');
    expect(letter?.value).toEqual(Buffer.from(bad));
    expect(header(letter, DeadLetterHeaders.Reason)).toBe('validation');
    expect(header(letter, DeadLetterHeaders.Error)).toMatch(/^email: .*; city: /);
    expect(header(letter, DeadLetterHeaders.OriginTopic)).toBe(Topics.Customers);
    expect(header(letter, DeadLetterHeaders.OriginPartition)).toBe('2');
    expect(header(letter, DeadLetterHeaders.OriginOffset)).toBe('41');
    expect(header(letter, DeadLetterHeaders.Group)).toBe('recommendation-staging');
    expect(header(letter, DeadLetterHeaders.Attempts)).toBe('0');
    // The record's own headers travel with it, so a fixed record can be replayed as it was.
    expect(header(letter, 'event-type')).toBe('updated');
    expect(header(letter, 'trace')).toBe('abc');
  });

  it('hands a tombstone on as a delete and dead-letters nothing', async () => {
    const { producer, sent } = fakeProducer();
    const customers = new CustomerConsumer(new KafkaEventConsumer(producer, env));
    const handled: unknown[] = [];
    const outcome = await customers.consume(context(Topics.Customers, null), ConsumerGroups.Recommendation, (c) => {
      handled.push(c);
      return Promise.resolve();
    });
    expect(outcome).toEqual({ status: 'handled', attempts: 1 });
    expect(handled).toEqual([{ key: '7', type: 'deleted', customer: null }]);
    expect(sent).toEqual([]);
  });

  it('dead-letters a customers record whose handler keeps failing, after the retries', async () => {
    const { producer, sent } = fakeProducer();
    const consumer = new KafkaEventConsumer(
      producer,
      loadKafkaEnv({ KAFKA_HANDLER_RETRIES: '1', KAFKA_HANDLER_BACKOFF_MS: '0' }),
    );
    const customers = new CustomerConsumer(consumer);
    const value = JSON.stringify({ ...EXAMPLE_CUSTOMER, id: 7 });
    const outcome = await customers.consume(
      context(Topics.Customers, value, { 'event-type': 'created' }),
      ConsumerGroups.Recommendation,
      () => Promise.reject(new Error('database down')),
    );
    expect(outcome).toEqual({ status: 'dead-lettered', reason: 'handler', error: 'database down' });
    expect(
      sent.map((s) => [s.topic, header(s, DeadLetterHeaders.Group), header(s, DeadLetterHeaders.Attempts)]),
    ).toEqual([[Topics.CustomersDlq, 'recommendation', '2']]);
  });
});
