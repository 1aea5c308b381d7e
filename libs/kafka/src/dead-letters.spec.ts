import { CustomersTopic, EXAMPLE_CUSTOMER, TransactionsTopic } from '@nurt/contracts';
import { deadLetterRecord, DeadLetterHeaders, MAX_DEAD_LETTER_BYTES, type DeadLetter } from './dead-letters.js';
import { loadKafkaEnv } from './kafka.config.js';
import type { KafkaMessage } from './kafkajs.js';
import { decodeRecord } from './record-decoder.js';

const env = loadKafkaEnv({ KAFKA_GROUP_SUFFIX: '-staging' });

function message(value: string | Buffer | null, headers: Record<string, string> = {}, key = '7'): KafkaMessage {
  return {
    key: Buffer.from(key),
    value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    offset: '41',
    timestamp: String(Date.UTC(2026, 10, 24)),
    attributes: 0,
  };
}

const header = (record: { headers?: Readonly<Record<string, string | Buffer>> }, name: string): string | undefined =>
  record.headers?.[name]?.toString();

function letterOf(decoded: ReturnType<typeof decodeRecord>, group = 'reporting'): DeadLetter {
  if (decoded.ok) throw new Error('expected a dead letter');
  return { ...decoded.letter, group, topic: 'transactions.dlq' };
}

describe('decodeRecord: every record either parses or becomes a dead letter, whatever its bytes', () => {
  it("reads the lecture's message with the contract's defaults", () => {
    const decoded = decodeRecord(
      'transactions',
      2,
      message('{"id":"TX5001","amount":1250.00,"store":"Warsaw","type":"purchase"}'),
      TransactionsTopic,
    );
    expect(decoded).toMatchObject({
      ok: true,
      record: {
        value: { id: 'TX5001', amount: 1250, currency: 'PLN', occurredAt: '2026-11-24T00:00:00.000Z' },
        key: '7',
        partition: 2,
        offset: '41',
      },
    });
  });

  it.each([
    ['not JSON', '{"id":', 'parse', /^value is not JSON/],
    ['empty', '', 'parse', /^value is not JSON/],
    ['binary', Buffer.from([0, 1, 2, 3]), 'parse', /^value is not JSON/],
    ['a negative amount', '{"id":"T1","amount":-5,"store":"W","type":"purchase"}', 'validation', /^amount: /],
    // class-validator's own maxDecimalPlaces throws a TypeError on exponent notation
    [
      '"amount": 1e-07',
      '{"id":"T1","amount":1e-07,"store":"W","type":"purchase"}',
      'validation',
      /^amount: .*decimal places/,
    ],
    // class-transformer recurses once per level and overflows the stack a few thousand levels down
    [
      'a field nested 5,000 deep',
      `{"id":${'['.repeat(5000)}${']'.repeat(5000)},"amount":1,"store":"W","type":"purchase"}`,
      'validation',
      /^id: nested deeper than 32 levels/,
    ],
    ['a value 200 levels deep', `${'['.repeat(200)}${']'.repeat(200)}`, 'validation', /^\$: must be a JSON object/],
  ])('dead-letters %s with the reason', (_what, value, reason, error) => {
    const letter = letterOf(decodeRecord('transactions', 0, message(value), TransactionsTopic));
    expect(letter.reason).toBe(reason);
    expect(letter.error).toMatch(error);
    expect(letter.attempts).toBe(0);
  });

  it('checks a customers record with its key and headers: a key other than the id is refused', () => {
    const value = JSON.stringify({ ...EXAMPLE_CUSTOMER, id: 7 });
    expect(decodeRecord('customers', 0, message(value, { 'event-type': 'created' }), CustomersTopic).ok).toBe(true);
    const wrongKey = letterOf(
      decodeRecord('customers', 0, message(value, { 'event-type': 'created' }, '8'), CustomersTopic),
    );
    expect(wrongKey.error).toMatch(/^\$key: "8" does not match the id 7/);
    expect(decodeRecord('customers', 0, message(null), CustomersTopic)).toMatchObject({
      ok: true,
      record: { value: { key: '7', type: 'deleted', customer: null } },
    });
  });
});

describe('deadLetterRecord', () => {
  it('keeps the original key, bytes and headers, and says why, where from and which group (with KAFKA_GROUP_SUFFIX)', () => {
    const bad = JSON.stringify({ id: 7, name: 'Anna' });
    const letter = letterOf(
      decodeRecord('customers', 2, message(bad, { 'event-type': 'updated', trace: 'abc' }), CustomersTopic),
      'recommendation',
    );
    const record = deadLetterRecord({ ...letter, topic: 'customers.dlq' }, env);
    expect(record.topic).toBe('customers.dlq');
    expect(record.key?.toString()).toBe('7');
    expect(record.value).toEqual(Buffer.from(bad));
    expect(header(record, DeadLetterHeaders.Reason)).toBe('validation');
    expect(header(record, DeadLetterHeaders.Error)).toMatch(/^email: .*; city: /);
    expect(header(record, DeadLetterHeaders.OriginTopic)).toBe('customers');
    expect(header(record, DeadLetterHeaders.OriginPartition)).toBe('2');
    expect(header(record, DeadLetterHeaders.OriginOffset)).toBe('41');
    expect(header(record, DeadLetterHeaders.Group)).toBe('recommendation-staging');
    expect(header(record, DeadLetterHeaders.Attempts)).toBe('0');
    expect(header(record, 'event-type')).toBe('updated');
    expect(header(record, 'trace')).toBe('abc');
    expect(header(record, DeadLetterHeaders.Truncated)).toBeUndefined();
  });

  it('cuts a dead letter too large to write whole, and says what was cut, the size and the hash', () => {
    // ~1 MB: the broker took the record, but not with the dlq-* headers on top.
    const value = Buffer.alloc(1_000_000, 'x');
    const letter = letterOf(
      decodeRecord('transactions', 0, message(value, { big: 'y'.repeat(600_000) }), TransactionsTopic),
    );
    const record = deadLetterRecord(letter, env);
    const size =
      (record.key?.length ?? 0) +
      (record.value as Buffer).length +
      Object.entries(record.headers ?? {}).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
    expect(size).toBeLessThanOrEqual(MAX_DEAD_LETTER_BYTES);
    expect(header(record, DeadLetterHeaders.Truncated)).toBe('value,headers');
    expect(header(record, DeadLetterHeaders.OriginalBytes)).toBe(String(1 + 1_000_000 + 3 + 600_000));
    expect(header(record, DeadLetterHeaders.OriginalSha256)).toMatch(/^[0-9a-f]{64}$/);
    expect(header(record, 'big')).toBeUndefined();
    expect((record.value as Buffer).subarray(0, 10).toString()).toBe('xxxxxxxxxx');
    expect(header(record, DeadLetterHeaders.Reason)).toBe('parse');
  });
});
