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

/** 1–64 characters of letters, digits, _ . : - starting with a letter or digit (declared in OpenAPI too). */
const TRANSACTION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/**
 * A transaction on the `transactions` topic (JSON value, key = store). The lecture's message
 * `{"id":"TX5001","amount":1250.00,"store":"Warsaw","type":"purchase"}` is valid as it stands:
 * currency defaults to PLN and occurredAt to the Kafka record's timestamp.
 */
export class TransactionEvent {
  @ApiProperty({
    example: 'TX5001',
    description: 'Unique transaction id; consumers apply each id once.',
    pattern: TRANSACTION_ID.source,
    minLength: 1,
    maxLength: 64,
  })
  @IsString()
  @Matches(TRANSACTION_ID, {
    message: 'id must be 1-64 characters of letters, digits, _ . : - starting with a letter or digit',
  })
  id!: string;

  @ApiProperty({
    example: 1250.0,
    description: 'Positive amount with at most 2 decimal places.',
    minimum: 0.01,
    maximum: 1_000_000_000,
    multipleOf: 0.01,
  })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @MaxDecimalPlaces(2)
  @IsPositive()
  @Max(1_000_000_000)
  amount!: number;

  @ApiPropertyOptional({
    example: 'PLN',
    default: DEFAULT_CURRENCY,
    pattern: '^[A-Z]{3}$',
    description: 'An ISO 4217 currency code in use (PLN, EUR, USD, …); not only any three capitals.',
  })
  @IsISO4217CurrencyCode()
  currency: string = DEFAULT_CURRENCY;

  @ApiProperty({
    example: 'Warsaw',
    description: 'Store (city) the transaction happened in; the record key.',
    minLength: 1,
    maxLength: 100,
  })
  @IsString()
  @Length(1, 100)
  store!: string;

  @ApiProperty({ enum: TRANSACTION_TYPES, example: 'purchase' })
  @IsIn(TRANSACTION_TYPES)
  type!: TransactionType;

  @ApiPropertyOptional({
    example: 'C1',
    minLength: 1,
    maxLength: 64,
    nullable: true,
    description: 'The customer, if known; null or absent: a transaction without a customer.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  customerId?: string;

  @ApiPropertyOptional({
    example: '2026-11-24T12:00:00.000Z',
    format: 'date-time',
    description:
      'ISO 8601, e.g. 2026-11-24T12:00:00.000Z; defaults to the Kafka record timestamp (for REST input: when it arrived).',
  })
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
  const { id, amount, currency, store, type, customerId } = parsed.value;
  const occurredAt = parsed.value.occurredAt ?? defaults.timestamp.toISOString();
  // Built field by field (the type says if one is missed), in the order the value is written in.
  // `"customerId": null` is a transaction without a customer, the same to REST and to every group:
  // the key is dropped, so no handler ever sees a null where the type says string or absent.
  const value: Transaction =
    customerId === null || customerId === undefined
      ? { id, amount, currency, store, type, occurredAt }
      : { id, amount, currency, store, type, customerId, occurredAt };
  return { ok: true, value };
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
