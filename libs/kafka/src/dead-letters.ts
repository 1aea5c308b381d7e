import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { brokerGroupId, type KafkaEnv } from './kafka.config.js';
import { KAFKA_ENV } from './kafka.constants.js';
import { KafkaProducer, MAX_REQUEST_BYTES, type ProduceRecord } from './kafka-producer.service.js';
import type { IHeaders } from './kafkajs.js';

export type DeadLetterReason = 'parse' | 'validation' | 'handler';

/** Headers a dead letter carries besides the original record's own. */
export const DeadLetterHeaders = {
  Error: 'dlq-error',
  Reason: 'dlq-reason',
  OriginTopic: 'dlq-origin-topic',
  OriginPartition: 'dlq-origin-partition',
  OriginOffset: 'dlq-origin-offset',
  Group: 'dlq-group',
  Attempts: 'dlq-attempts',
  /** Set when the dead letter was too large to write whole: `value`, `key`, `headers` (what was cut). */
  Truncated: 'dlq-truncated',
  /** The original record's size in bytes (key, value and headers), when truncated. */
  OriginalBytes: 'dlq-original-bytes',
  /** SHA-256 of the original value, when truncated: the record itself stays in its topic for its retention. */
  OriginalSha256: 'dlq-original-sha256',
} as const;

/** A record as it was on the wire. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

export interface DeadLetter {
  readonly record: RawRecord;
  /** Where it goes (the contract's dead-letter topic). */
  readonly topic: string;
  /** The group as declared; the header names it as the broker knows it (with KAFKA_GROUP_SUFFIX). */
  readonly group: string;
  readonly reason: DeadLetterReason;
  readonly error: string;
  /** Handler attempts made (0 for parse/validation). */
  readonly attempts: number;
}

const MAX_ERROR_LENGTH = 2000;
/** A dead letter, headers included, must fit in one produce request with room to spare. */
export const MAX_DEAD_LETTER_BYTES = MAX_REQUEST_BYTES - 16_384;
const KEEP_KEY_BYTES = 1024;

function firstValues(headers: IHeaders): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return out;
}

const sizeOf = (headers: Readonly<Record<string, string | Buffer>>): number =>
  Object.entries(headers).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + (Buffer.isBuffer(v) ? v.length : Buffer.byteLength(v)),
    0,
  );

/**
 * The record to write for a dead letter: the original key, value bytes and headers plus the `dlq-*`
 * headers. A record the broker accepted can be close to its size limit, and with those headers it
 * would no longer fit (the broker answers MESSAGE_TOO_LARGE, for ever): then what does not fit is
 * cut (value first, then headers, then a long key), and the dead letter says what was cut, the
 * original size and the value's hash. The record itself stays in its topic for its retention.
 */
export function deadLetterRecord(letter: DeadLetter, env: Pick<KafkaEnv, 'KAFKA_GROUP_SUFFIX'>): ProduceRecord<never> {
  const { record } = letter;
  const text = letter.error.length > MAX_ERROR_LENGTH ? `${letter.error.slice(0, MAX_ERROR_LENGTH)}…` : letter.error;
  const dlq: Record<string, string> = {
    [DeadLetterHeaders.Error]: text,
    [DeadLetterHeaders.Reason]: letter.reason,
    [DeadLetterHeaders.OriginTopic]: record.topic,
    [DeadLetterHeaders.OriginPartition]: String(record.partition),
    [DeadLetterHeaders.OriginOffset]: record.offset,
    // The id the broker knows the group by, so `consumer-groups --describe --group` finds it.
    [DeadLetterHeaders.Group]: brokerGroupId(env, letter.group),
    [DeadLetterHeaders.Attempts]: String(letter.attempts),
  };
  let original = firstValues(record.headers);
  // The record's own headers, but never a stale dlq-* of an earlier failure (a replayed dead letter).
  for (const name of Object.values(DeadLetterHeaders)) delete original[name];
  let key = record.key;
  let value = record.value;
  const keyBytes = key?.length ?? 0;
  const valueBytes = value?.length ?? 0;
  const total = keyBytes + valueBytes + sizeOf(original);
  if (total + sizeOf(dlq) > MAX_DEAD_LETTER_BYTES) {
    const cut: string[] = [];
    // Room left for the original's parts once the dlq headers (and those below) are in.
    let room = MAX_DEAD_LETTER_BYTES - sizeOf(dlq) - 512;
    if (keyBytes > KEEP_KEY_BYTES && keyBytes > room / 4) {
      key = (key as Buffer).subarray(0, KEEP_KEY_BYTES);
      cut.push('key');
    }
    room -= key?.length ?? 0;
    if (sizeOf(original) > room / 2) {
      original = {};
      cut.push('headers');
    }
    room -= sizeOf(original);
    if (value !== null && value.length > room) {
      value = value.subarray(0, Math.max(0, room));
      cut.unshift('value');
    }
    dlq[DeadLetterHeaders.Truncated] = cut.join(',');
    dlq[DeadLetterHeaders.OriginalBytes] = String(total);
    dlq[DeadLetterHeaders.OriginalSha256] = createHash('sha256')
      .update(record.value ?? Buffer.alloc(0))
      .digest('hex');
  }
  return { topic: letter.topic, key, value, headers: { ...original, ...dlq } };
}

/**
 * Writes dead letters in order. Resolves once the broker has them all; rejects otherwise, and then
 * the records they stand for must not be marked processed.
 */
@Injectable()
export class DeadLetterWriter {
  private readonly logger = new Logger('DeadLetters');

  constructor(
    private readonly producer: KafkaProducer,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
  ) {}

  async write(letters: readonly DeadLetter[]): Promise<void> {
    // One send each: the producer packs them into as few requests as fit, in order (a dead letter
    // is cut to fit one request, so none is ever too large for it).
    await Promise.all(letters.map((letter) => this.producer.send(deadLetterRecord(letter, this.env))));
    for (const l of letters) {
      const where = `${l.record.topic}/${l.record.partition}@${l.record.offset}`;
      const error = l.error.length > 200 ? `${l.error.slice(0, 200)}…` : l.error;
      this.logger.warn(
        `${brokerGroupId(this.env, l.group)}: dead-lettered ${where} to ${l.topic} (${l.reason}): ${error}`,
      );
    }
  }
}
