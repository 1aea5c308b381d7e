import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsIn, IsInt, IsISO8601, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import type { RecordEnvelope, TopicContract } from './topic-contract.js';
import { Topics } from './topics.js';
import { parseAs, type FieldError, type Parsed, type ParseOptions } from './validation.js';

export const CUSTOMER_SEGMENTS = ['premium', 'standard', 'basic'] as const;
export type CustomerSegment = (typeof CUSTOMER_SEGMENTS)[number];

/** Values of the `event-type` header on the `customers` topic. */
export const CUSTOMER_EVENT_TYPES = ['created', 'updated', 'deleted'] as const;
export type CustomerEventType = (typeof CUSTOMER_EVENT_TYPES)[number];
export const CUSTOMER_EVENT_TYPE_HEADER = 'event-type';

/**
 * A customer's current state on the compacted `customers` topic: key = String(id), value = this
 * as JSON; a delete is a tombstone (null value) under the same key. Consumers keep the latest per key.
 */
export class CustomerEvent {
  @ApiProperty({ example: 1, description: 'Positive integer id, assigned by the customers service.' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  id!: number;

  @ApiProperty({ example: 'Anna', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: 'anna@example.com', description: 'Unique, lower case.' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Warsaw', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  city!: string;

  @ApiProperty({ enum: CUSTOMER_SEGMENTS, example: 'premium' })
  @IsIn(CUSTOMER_SEGMENTS)
  segment!: CustomerSegment;

  @ApiProperty({ example: '2026-11-24T12:00:00.000Z', format: 'date-time' })
  @IsISO8601({ strict: true })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-24T12:00:00.000Z', format: 'date-time' })
  @IsISO8601({ strict: true })
  updatedAt!: string;
}

/**
 * The lecture's first customer as the customers service publishes her: the one example behind the
 * OpenAPI documents, the specs and the customers bench.
 */
export const EXAMPLE_CUSTOMER: Readonly<CustomerEvent> = {
  id: 1,
  name: 'Anna',
  email: 'anna@example.com',
  city: 'Warsaw',
  segment: 'premium',
  createdAt: '2026-11-24T12:00:00.000Z',
  updatedAt: '2026-11-24T12:00:00.000Z',
};

/** Validates a `customers` record value (already JSON-parsed); a tombstone is handled by the caller. */
export function parseCustomerEvent(input: unknown, options: ParseOptions = {}): Parsed<CustomerEvent> {
  return parseAs(CustomerEvent, input, options);
}

/** One record of the compacted `customers` topic: the customer's latest state, or `null` for a delete. */
export interface CustomerChange {
  /** The record key, which is the customer id as text. */
  readonly key: string;
  readonly type: CustomerEventType;
  readonly customer: CustomerEvent | null;
}

const HEADER_FIELD = `$headers.${CUSTOMER_EVENT_TYPE_HEADER}`;

/**
 * Checks a `customers` record against its contract, given its JSON-parsed value (`null` for a
 * tombstone), key and headers. Every broken rule is named:
 * - a value needs `event-type` `created` or `updated`, a key equal to its id, and a valid CustomerEvent;
 * - a tombstone (null value) is a delete and needs a key; its `event-type` is `deleted` or absent,
 *   since a bare tombstone is how any Kafka client deletes a key on a compacted topic.
 */
export function parseCustomerRecord(
  json: unknown,
  record: Pick<RecordEnvelope, 'key' | 'headers'>,
): Parsed<CustomerChange> {
  const errors: FieldError[] = [];
  const key = record.key ?? '';
  const header = record.headers[CUSTOMER_EVENT_TYPE_HEADER];
  const known = (CUSTOMER_EVENT_TYPES as readonly string[]).includes(header ?? '');
  if (header !== undefined && !known) {
    errors.push({
      field: HEADER_FIELD,
      message: `${JSON.stringify(header)} is not one of ${CUSTOMER_EVENT_TYPES.join(', ')}`,
    });
  }

  if (json === null) {
    if (!key) errors.push({ field: '$key', message: 'a tombstone needs a key (the customer id it deletes)' });
    if (known && header !== 'deleted') {
      errors.push({ field: HEADER_FIELD, message: `${header} on a tombstone (null value), which is a delete` });
    }
    return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { key, type: 'deleted', customer: null } };
  }

  if (header === undefined) {
    errors.push({ field: HEADER_FIELD, message: 'missing; a record with a value needs created or updated' });
  } else if (header === 'deleted') {
    errors.push({
      field: HEADER_FIELD,
      message: 'deleted on a record with a value; a delete is a tombstone (null value)',
    });
  }
  const parsed = parseCustomerEvent(json);
  if (!parsed.ok) errors.push(...parsed.errors);
  else if (!key) errors.push({ field: '$key', message: `missing; expected the id ${parsed.value.id}` });
  else if (key !== String(parsed.value.id)) {
    errors.push({ field: '$key', message: `${JSON.stringify(key)} does not match the id ${parsed.value.id}` });
  }
  if (!parsed.ok || errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { key, type: header as CustomerEventType, customer: parsed.value } };
}

/**
 * The compacted `customers` topic as a consumer reads it. Bad records go to `customers.dlq`, kept
 * apart from `transactions.dlq` because they hold personal data (see topics.ts).
 */
export const CustomersTopic: TopicContract<CustomerChange> = {
  topic: Topics.Customers,
  deadLetterTopic: Topics.CustomersDlq,
  parse: parseCustomerRecord,
};
