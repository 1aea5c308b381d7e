import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  CUSTOMER_SEGMENTS,
  CustomerEvent,
  EXAMPLE_CUSTOMER,
  NON_BLANK_TEXT,
  type CustomerSegment,
} from '@nurt/contracts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

const trim = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** A page cursor: the id after which the next page starts. */
const CURSOR = /^[1-9][0-9]{0,15}$/;

/** POST /customers and PUT /customers/:id: every field, nothing else. */
@ApiSchema({ name: 'CustomerInput' })
export class CustomerBodyDto {
  @ApiProperty({
    example: 'Anna',
    minLength: 1,
    maxLength: 200,
    pattern: NON_BLANK_TEXT,
    description: 'Leading and trailing spaces removed.',
  })
  @trim()
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    example: 'anna@example.com',
    format: 'email',
    maxLength: 254,
    description: 'Unique; stored in lower case.',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Warsaw', minLength: 1, maxLength: 100, pattern: NON_BLANK_TEXT })
  @trim()
  @IsString()
  @Length(1, 100)
  city!: string;

  @ApiProperty({ enum: CUSTOMER_SEGMENTS, example: 'premium' })
  @IsIn(CUSTOMER_SEGMENTS)
  segment!: CustomerSegment;
}

export class ListCustomersQueryDto {
  @ApiPropertyOptional({ enum: CUSTOMER_SEGMENTS, example: 'premium' })
  @IsOptional()
  @IsIn(CUSTOMER_SEGMENTS)
  segment?: CustomerSegment;

  @ApiPropertyOptional({
    example: 'Warsaw',
    description: 'Exact city, case-insensitive.',
    minLength: 1,
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  city?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ example: '50', description: 'The nextCursor of the previous page.', pattern: CURSOR.source })
  @IsOptional()
  @Matches(CURSOR, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

@ApiSchema({ name: 'Customer' })
export class CustomerDto extends CustomerEvent {}

@ApiSchema({ name: 'CustomerPage' })
export class CustomerPageDto {
  @ApiProperty({ type: [CustomerDto] })
  items!: CustomerDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Pass as `cursor` to get the next page; null on the last page.',
  })
  nextCursor!: string | null;
}

export class FieldErrorDto {
  @ApiProperty({ example: 'email' })
  field!: string;

  @ApiProperty({ example: 'email must be a valid email address' })
  message!: string;
}

@ApiSchema({ name: 'ValidationError' })
export class ValidationErrorDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'Invalid email: email must be a valid email address' })
  message!: string;

  @ApiProperty({ type: [FieldErrorDto], description: 'Each broken rule, by field.' })
  errors!: FieldErrorDto[];
}

@ApiSchema({ name: 'Error' })
export class ErrorDto {
  @ApiProperty({ example: 404 })
  statusCode!: number;

  @ApiProperty({ example: 'Not Found' })
  error!: string;

  @ApiProperty({ example: 'Customer 42 not found' })
  message!: string;
}

/** Example bodies for the OpenAPI document. */
export const Examples = {
  notFound: { statusCode: 404, error: 'Not Found', message: 'Customer 42 not found' },
  conflict: {
    statusCode: 409,
    error: 'Conflict',
    message: 'A customer with email anna@example.com already exists',
  },
  badId: {
    statusCode: 400,
    error: 'Bad Request',
    message: 'Invalid id: id must be a positive integer',
    errors: [{ field: 'id', message: 'id must be a positive integer' }],
  },
  badBody: {
    statusCode: 400,
    error: 'Bad Request',
    message:
      'Invalid email, segment: email must be a valid email address; segment must be one of the following values: premium, standard, basic',
    errors: [
      { field: 'email', message: 'email must be a valid email address' },
      { field: 'segment', message: 'segment must be one of the following values: premium, standard, basic' },
    ],
  },
  badQuery: {
    statusCode: 400,
    error: 'Bad Request',
    message: 'Invalid limit: limit must not be greater than 500',
    errors: [{ field: 'limit', message: 'limit must not be greater than 500' }],
  },
  anna: EXAMPLE_CUSTOMER,
} as const;
