import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsIn, IsInt, IsISO8601, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { parseAs, type Parsed, type ParseOptions } from './validation.js';

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
