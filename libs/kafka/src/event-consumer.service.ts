import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KafkaContext } from '@nestjs/microservices';
import type { Parsed } from '@nurt/contracts';
import { KAFKA_ENV } from './kafka.constants.js';
import { brokerGroupId, type KafkaEnv } from './kafka.config.js';
import { KafkaProducer } from './kafka-producer.service.js';
import { kafkaRecord, type KafkaRecord } from './kafka-record.js';

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
} as const;

export interface EventSpec<T> {
  /** The consumer group handling the record, as configured; the dead letter names it with KAFKA_GROUP_SUFFIX. */
  readonly group: string;
  /** Validates the JSON value (`null` for a record without a value). */
  readonly parse: (json: unknown, record: KafkaRecord) => Parsed<T>;
  readonly handle: (value: T, record: KafkaRecord) => Promise<void>;
  /** Where records that cannot be handled go. Required: a bad record is never skipped unrecorded. */
  readonly deadLetterTopic: string;
}

export type ConsumeOutcome =
  | { readonly status: 'handled'; readonly attempts: number }
  | { readonly status: 'dead-lettered'; readonly reason: DeadLetterReason; readonly error: string };

const MAX_ERROR_LENGTH = 2000;
/** Well inside kafkajs' default 30 s session timeout, so a long backoff never costs the group its partitions. */
const HEARTBEAT_EVERY_MS = 3000;

/**
 * Decodes, validates and handles one record so that its partition always moves on: a record that
 * is not JSON or fails validation is dead-lettered at once; a handler that throws is retried with
 * exponential backoff (heartbeating meanwhile) and dead-lettered after the last attempt. Only a
 * failure to write the dead letter itself propagates, so kafkajs redelivers rather than skips.
 */
@Injectable()
export class KafkaEventConsumer {
  private readonly logger = new Logger(KafkaEventConsumer.name);

  constructor(
    private readonly producer: KafkaProducer,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
  ) {}

  async consume<T>(ctx: KafkaContext, spec: EventSpec<T>): Promise<ConsumeOutcome> {
    const record = kafkaRecord(ctx);
    let json: unknown = null;
    if (record.value !== null) {
      try {
        json = JSON.parse(record.value.toString('utf8'));
      } catch (err: unknown) {
        return this.deadLetter(spec, record, 'parse', `value is not JSON: ${message(err)}`, 0);
      }
    }
    const parsed = spec.parse(json, record);
    if (!parsed.ok) {
      const error = parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      return this.deadLetter(spec, record, 'validation', error, 0);
    }

    const attempts = this.env.KAFKA_HANDLER_RETRIES + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        await spec.handle(parsed.value, record);
        return { status: 'handled', attempts: attempt };
      } catch (err: unknown) {
        const where = `${record.topic}/${record.partition}@${record.offset}`;
        if (attempt >= attempts) {
          return this.deadLetter(spec, record, 'handler', message(err), attempt);
        }
        this.logger.warn(
          `${brokerGroupId(this.env, spec.group)}: ${where} failed (attempt ${attempt}/${attempts}): ${message(err)}`,
        );
        await this.backoff(ctx, this.env.KAFKA_HANDLER_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
  }

  private async backoff(ctx: KafkaContext, ms: number): Promise<void> {
    const heartbeat = ctx.getHeartbeat();
    const until = Date.now() + ms;
    for (let left = ms; left > 0; left = until - Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, HEARTBEAT_EVERY_MS)));
      await heartbeat();
    }
  }

  private async deadLetter<T>(
    spec: EventSpec<T>,
    record: KafkaRecord,
    reason: DeadLetterReason,
    error: string,
    attempts: number,
  ): Promise<ConsumeOutcome> {
    const where = `${record.topic}/${record.partition}@${record.offset}`;
    const text = error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH)}…` : error;
    // The id the broker knows the group by, so `consumer-groups --describe --group` finds it.
    const group = brokerGroupId(this.env, spec.group);
    const headers: Record<string, string | Buffer> = {};
    for (const [name, value] of Object.entries(record.headers)) {
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) headers[name] = first;
    }
    Object.assign(headers, {
      [DeadLetterHeaders.Error]: text,
      [DeadLetterHeaders.Reason]: reason,
      [DeadLetterHeaders.OriginTopic]: record.topic,
      [DeadLetterHeaders.OriginPartition]: String(record.partition),
      [DeadLetterHeaders.OriginOffset]: record.offset,
      [DeadLetterHeaders.Group]: group,
      [DeadLetterHeaders.Attempts]: String(attempts),
    });
    await this.producer.send({
      topic: spec.deadLetterTopic,
      key: record.key,
      value: record.value,
      headers,
    });
    this.logger.warn(`${group}: dead-lettered ${where} to ${spec.deadLetterTopic} (${reason}): ${text}`);
    return { status: 'dead-lettered', reason, error: text };
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
