import { Injectable } from '@nestjs/common';
import type { KafkaContext } from '@nestjs/microservices';
import { parseTransaction, Topics, type Transaction } from '@nurt/contracts';
import { KafkaEventConsumer, type ConsumeOutcome } from './event-consumer.service.js';
import type { KafkaRecord } from './kafka-record.js';

/**
 * The `transactions` topic as a consumer group sees it: each record parsed with the contract's
 * defaults (occurredAt = the record's timestamp), invalid ones dead-lettered to `transactions.dlq`.
 */
@Injectable()
export class TransactionConsumer {
  constructor(private readonly events: KafkaEventConsumer) {}

  consume(
    ctx: KafkaContext,
    group: string,
    handle: (tx: Transaction, record: KafkaRecord) => Promise<void>,
  ): Promise<ConsumeOutcome> {
    return this.events.consume(ctx, {
      group,
      parse: (json, record) => parseTransaction(json, { timestamp: record.timestamp }),
      handle,
      deadLetterTopic: Topics.TransactionsDlq,
    });
  }
}
