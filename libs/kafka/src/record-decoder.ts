import type { TopicContract } from '@nurt/contracts';
import type { ConsumedRecord } from './consumed-record.js';
import type { DeadLetter, RawRecord } from './dead-letters.js';
import type { KafkaMessage } from './kafkajs.js';

/** A record as it was on the wire (what a dead letter keeps). */
export function rawRecordOf(topic: string, partition: number, message: KafkaMessage): RawRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: message.headers ?? {},
  };
}

export type Decoded<T> =
  | { readonly ok: true; readonly record: ConsumedRecord<T> }
  | { readonly ok: false; readonly letter: Omit<DeadLetter, 'group' | 'topic'> };

function headerTexts(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Decodes a record once (key and headers as text, the value as JSON) and checks it with the topic's
 * contract. Whatever the bytes, it answers: a record that cannot be read is a dead letter, never an
 * exception (an exception here would make kafkajs restart the consumer on the same record for ever).
 */
export function decodeRecord<T>(
  topic: string,
  partition: number,
  message: KafkaMessage,
  contract: TopicContract<T>,
): Decoded<T> {
  const deadLetter = (reason: 'parse' | 'validation', error: string): Decoded<T> => ({
    ok: false,
    letter: { record: rawRecordOf(topic, partition, message), reason, error, attempts: 0 },
  });
  const headers = headerTexts(message);
  const key = message.key ? message.key.toString('utf8') : null;
  const timestamp = new Date(Number(message.timestamp));
  let json: unknown = null;
  if (message.value) {
    try {
      json = JSON.parse(message.value.toString('utf8'));
    } catch (err: unknown) {
      return deadLetter('parse', `value is not JSON: ${messageOf(err)}`);
    }
  }
  let parsed;
  try {
    parsed = contract.parse(json, { key, headers, timestamp });
  } catch (err: unknown) {
    return deadLetter('validation', `could not be validated: ${messageOf(err)}`);
  }
  if (!parsed.ok) return deadLetter('validation', parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  return {
    ok: true,
    record: { value: parsed.value, key, topic, partition, offset: message.offset, timestamp, headers },
  };
}

/** How many decoded records wait for the other groups at most; past that the oldest go (and are decoded again if asked). */
const MAX_WAITING = 50_000;

interface Entry {
  readonly contract: TopicContract<unknown>;
  readonly timestamp: string;
  readonly decoded: Decoded<unknown>;
  left: number;
}

/**
 * Decodes a record once per process rather than once per group: the monolith's three groups read
 * the same `transactions` records with the same contract, and validation is most of what a record
 * costs before it reaches a feature. The first group to read a record decodes it and leaves the
 * result for the others, which take it and drop it once all have. A record is immutable at its
 * offset, so sharing is safe; anything not found (evicted, read again after a rebalance) is simply
 * decoded again. Groups only ever read what is shared; nothing here mutates a record.
 */
export class SharedDecoder {
  private readonly entries = new Map<string, Entry>();

  /** `readers`: per contract, how many groups in this process read its topic with it. */
  constructor(private readonly readers: ReadonlyMap<TopicContract<unknown>, number>) {}

  decode<T>(topic: string, partition: number, message: KafkaMessage, contract: TopicContract<T>): Decoded<T> {
    const readers = this.readers.get(contract) ?? 1;
    if (readers <= 1) return decodeRecord(topic, partition, message, contract);
    const key = `${topic}/${partition}/${message.offset}`;
    const entry = this.entries.get(key);
    if (entry && entry.contract === contract && entry.timestamp === message.timestamp) {
      if (--entry.left <= 0) this.entries.delete(key);
      return entry.decoded as Decoded<T>;
    }
    const decoded = decodeRecord(topic, partition, message, contract);
    this.entries.set(key, {
      contract: contract,
      timestamp: message.timestamp,
      decoded,
      left: readers - 1,
    });
    if (this.entries.size > MAX_WAITING) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return decoded;
  }
}
