import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FraudAlertEvent, ISO_DATE_TIME } from '@nurt/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export class AlertsQueryDto {
  @ApiPropertyOptional({ example: '42', minLength: 1, maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  customerId?: string;

  @ApiPropertyOptional({
    example: '2026-11-24T00:00:00Z',
    format: 'date-time',
    pattern: ISO_DATE_TIME.source,
    description: 'Alerts on transactions at or after this time (a date and time with its zone).',
  })
  @IsOptional()
  @Matches(ISO_DATE_TIME, { message: 'since must be a date and time with its zone, e.g. 2026-11-24T00:00:00Z' })
  since?: string;

  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;
}

export class AlertsDto {
  @ApiProperty({ type: [FraudAlertEvent], description: 'Newest transaction first.' })
  alerts!: FraudAlertEvent[];
}

export class PendingDto {
  @ApiProperty({ example: 12, description: 'Transactions recorded by the anti-fraud group and not yet judged.' })
  transactions!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-24T12:00:00.000Z',
    description: 'When the oldest of them occurred; null when none waits.',
  })
  oldestOccurredAt!: string | null;

  @ApiProperty({
    example: 3,
    description:
      'FRAUD_LATENESS_S: a transaction is judged once it has waited this long, and once no partition still being read is less than this far past it in event time.',
  })
  latenessSeconds!: number;
}
