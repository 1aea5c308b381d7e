import { Injectable } from '@nestjs/common';
import type { KafkaContext } from '@nestjs/microservices';
import {
  CUSTOMER_EVENT_TYPE_HEADER,
  CUSTOMER_EVENT_TYPES,
  parseCustomerEvent,
  Topics,
  type CustomerEvent,
  type CustomerEventType,
  type FieldError,
  type Parsed,
} from '@nurt/contracts';
import { KafkaEventConsumer, type ConsumeOutcome } from './event-consumer.service.js';
import { headerText, type KafkaRecord } from './kafka-record.js';

/** One record of the compacted `customers` topic: the customer's latest state, or `null` for a delete. */
export interface CustomerChange {
  /** The record key, which is the customer id as text. */
  readonly key: string;
  readonly type: CustomerEventType;
  readonly customer: CustomerEvent | null;
}

const HEADER_FIELD = `$headers.${CUSTOMER_EVENT_TYPE_HEADER}`;

/**
 * Checks a `customers` record against its contract (`libs/contracts/src/customer.event.ts`), given
 * its JSON-parsed value (`null` for a tombstone), key and headers. Every broken rule is named:
 * - a value needs `event-type` `created` or `updated`, a key equal to its id, and a valid CustomerEvent;
 * - a tombstone (null value) is a delete and needs a key; its `event-type` is `deleted` or absent,
 *   since a bare tombstone is how any Kafka client deletes a key on a compacted topic.
 */
export function parseCustomerRecord(
  json: unknown,
  record: Pick<KafkaRecord, 'key' | 'headers'>,
): Parsed<CustomerChange> {
  const errors: FieldError[] = [];
  const key = record.key?.toString('utf8') ?? '';
  const header = headerText(record.headers, CUSTOMER_EVENT_TYPE_HEADER);
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
 * The compacted `customers` topic as a consumer group sees it: each record checked with
 * `parseCustomerRecord`, bad ones (and ones whose handler keeps failing) dead-lettered to
 * `customers.dlq` by the same machinery and headers as `transactions.dlq`. A tombstone is a delete.
 */
@Injectable()
export class CustomerConsumer {
  constructor(private readonly events: KafkaEventConsumer) {}

  consume(
    ctx: KafkaContext,
    group: string,
    handle: (change: CustomerChange, record: KafkaRecord) => Promise<void>,
  ): Promise<ConsumeOutcome> {
    return this.events.consume(ctx, {
      group,
      parse: parseCustomerRecord,
      handle,
      deadLetterTopic: Topics.CustomersDlq,
    });
  }
}
