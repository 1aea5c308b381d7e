import type { KafkaContext } from '@nestjs/microservices';
import type { IHeaders, KafkaMessage } from './kafkajs.js';

/** One consumed record as it was on the wire, before Nest decoded key, value and headers. */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  /** 64-bit; kept as a decimal string. */
  readonly offset: string;
  /** The record's timestamp in ms since the epoch (CreateTime unless the topic says LogAppendTime). */
  readonly timestamp: Date;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

const ORIGINAL = Symbol('nurt.kafka.original');

interface WithOriginal {
  [ORIGINAL]?: { key: Buffer | null; value: Buffer | null; headers: IHeaders };
}

/**
 * Keeps the undecoded key, value and headers on the message. Nest's parser clones the message with
 * a spread, which copies this (enumerable) symbol property, so the context's message still has it.
 */
export function keepOriginal(message: KafkaMessage): void {
  (message as KafkaMessage & WithOriginal)[ORIGINAL] = {
    key: message.key ?? null,
    value: message.value ?? null,
    headers: { ...(message.headers ?? {}) },
  };
}

function toBuffer(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

/** The record behind a handler's context, with its original bytes. */
export function kafkaRecord(ctx: KafkaContext): KafkaRecord {
  const message = ctx.getMessage() as KafkaMessage & WithOriginal;
  // Without the server's hook (a context built elsewhere) the decoded fields are re-encoded.
  const original = message[ORIGINAL] ?? {
    key: toBuffer(message.key),
    value: toBuffer(message.value),
    headers: message.headers ?? {},
  };
  return {
    topic: ctx.getTopic(),
    partition: ctx.getPartition(),
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)),
    ...original,
  };
}

/** A header value as text (the first one when a header repeats). */
export function headerText(headers: IHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
