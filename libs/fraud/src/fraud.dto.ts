import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FraudAlertEvent } from '@nurt/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class AlertsQueryDto {
  @ApiPropertyOptional({ example: '42' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  customerId?: string;

  @ApiPropertyOptional({
    example: '2026-11-24T00:00:00Z',
    description: 'Alerts on transactions at or after this time.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
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
