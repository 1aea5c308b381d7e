import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ISO_DATE_TIME } from '@nurt/contracts';

export const SALES_WINDOWS = ['total', 'minute', 'hour'] as const;

export class SalesQueryDto {
  @ApiPropertyOptional({
    example: 'Warsaw',
    minLength: 1,
    maxLength: 100,
    description: 'One store only; default all stores.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  store?: string;

  @ApiPropertyOptional({
    enum: SALES_WINDOWS,
    default: 'total',
    description: 'total: since the beginning; minute/hour: tumbling windows by the time the transaction occurred.',
  })
  @IsOptional()
  @IsIn(SALES_WINDOWS)
  window: (typeof SALES_WINDOWS)[number] = 'total';

  @ApiPropertyOptional({
    example: '2026-11-24T12:00:00Z',
    format: 'date-time',
    pattern: ISO_DATE_TIME.source,
    description: 'Windows starting at or after this time (a date and time with its zone).',
  })
  @IsOptional()
  @Matches(ISO_DATE_TIME, { message: 'since must be a date and time with its zone, e.g. 2026-11-24T12:00:00Z' })
  since?: string;

  @ApiPropertyOptional({
    type: 'integer',
    default: 500,
    minimum: 1,
    maximum: 5000,
    description: 'At most this many store/type rows.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit = 500;
}

export class SalesStatsDto {
  @ApiProperty({ example: 12 })
  count!: number;

  @ApiProperty({
    example: 15000.5,
    description: 'Sum of amounts (PLN), refunds and withdrawals included as positive amounts.',
  })
  sum!: number;

  @ApiProperty({ example: 1250.04 })
  average!: number;

  @ApiProperty({ example: 10.0 })
  min!: number;

  @ApiProperty({ example: 5000.0 })
  max!: number;
}

export class SalesGroupDto extends SalesStatsDto {
  @ApiProperty({ example: 'Warsaw' })
  store!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-24T12:00:00.000Z',
    description: 'null for window=total.',
  })
  windowStart!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/SalesStatsDto' },
    description: 'The same statistics per transaction type.',
  })
  byType!: Record<string, SalesStatsDto>;
}

export class SalesReportDto {
  @ApiProperty({ enum: SALES_WINDOWS })
  window!: string;

  @ApiProperty({ type: [SalesGroupDto], description: 'One entry per store (and window), newest window first.' })
  groups!: SalesGroupDto[];
}
