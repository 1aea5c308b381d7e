import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsISO4217CurrencyCode,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Length,
  Matches,
  Max,
} from 'class-validator';
import type { TopicContract } from './topic-contract.js';
import { Topics } from './topics.js';
import { MaxDecimalPlaces, parseAs, type Parsed, type ParseOptions } from './validation.js';

export const TRANSACTION_TYPES = ['purchase', 'refund', 'withdrawal'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export const DEFAULT_CURRENCY = 'PLN';

/**
 * A transaction on the `transactions` topic (JSON value, key = store). The lecture's message
 * `{"id":"TX5001","amount":1250.00,"store":"Warsaw","type":"purchase"}` is valid as it stands:
 * currency defaults to PLN and occurredAt to the Kafka record's timestamp.
 */
export class TransactionEvent {
  @ApiProperty({ example: 'TX5001', description: 'Unique transaction id; consumers apply each id once.' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, {
    message: 'id must be 1-64 characters of letters, digits, _ . : - starting with a letter or digit',
  })
  id!: string;

  @ApiProperty({ example: 1250.0, description: 'Positive amount with at most 2 decimal places.' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @MaxDecimalPlaces(2)
  @IsPositive()
  @Max(1_000_000_000)
  amount!: number;

  @ApiPropertyOptional({ example: 'PLN', default: DEFAULT_CURRENCY })
  @IsISO4217CurrencyCode()
  currency: string = DEFAULT_CURRENCY;

  @ApiProperty({ example: 'Warsaw', description: 'Store (city) the transaction happened in; the record key.' })
  @IsString()
  @Length(1, 100)
  store!: string;

  @ApiProperty({ enum: TRANSACTION_TYPES, example: 'purchase' })
  @IsIn(TRANSACTION_TYPES)
  type!: TransactionType;

  @ApiPropertyOptional({ example: 'C1' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  customerId?: string;

  @ApiPropertyOptional({ example: '2026-11-24T12:00:00.000Z', description: 'Defaults to the Kafka record timestamp.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredAt?: string;
}

/** A transaction after parsing: every default applied. */
export type Transaction = Required<Omit<TransactionEvent, 'customerId'>> & Pick<TransactionEvent, 'customerId'>;

export interface TransactionDefaults {
  /** Used as occurredAt when the event has none: the Kafka record's timestamp, or now for REST input. */
  readonly timestamp: Date;
}

export function parseTransaction(
  input: unknown,
  defaults: TransactionDefaults,
  options: ParseOptions = {},
): Parsed<Transaction> {
  const parsed = parseAs(TransactionEvent, input, options);
  if (!parsed.ok) return parsed;
  // occurredAt is declared last, so the spread keeps the key order the value is written in.
  return {
    ok: true,
    value: { ...parsed.value, occurredAt: parsed.value.occurredAt ?? defaults.timestamp.toISOString() },
  };
}

/**
 * The `transactions` topic as every consumer group reads it. A transaction without `customerId`
 * is valid: every group applies its id once like any other (reporting counts it), and the groups
 * that work per customer (anti-fraud, recommendation) have no customer to score or profile.
 */
export const TransactionsTopic: TopicContract<Transaction> = {
  topic: Topics.Transactions,
  deadLetterTopic: Topics.TransactionsDlq,
  parse: (value, { timestamp }) => parseTransaction(value, { timestamp }),
};
