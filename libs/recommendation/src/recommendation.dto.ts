import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CUSTOMER_SEGMENTS } from '@nurt/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class CustomerIdParamDto {
  @ApiProperty({
    example: '42',
    minLength: 1,
    maxLength: 64,
    description: "The customer's id (the customers service's id as a string).",
  })
  @IsString()
  @Length(1, 64)
  id!: string;
}

export class RecommendationParamDto {
  @ApiProperty({ example: '42', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  customerId!: string;
}

export class RecommendationQueryDto {
  @ApiPropertyOptional({ type: 'integer', default: 5, minimum: 1, maximum: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit = 5;
}

export class ProfileDto {
  @ApiProperty({ example: '42' })
  customerId!: string;

  @ApiProperty({ example: 17 })
  transactions!: number;

  @ApiProperty({ example: 2140.5, description: 'Sum of all transaction amounts (PLN).' })
  totalAmount!: number;

  @ApiProperty({ example: 125.91 })
  averageAmount!: number;

  @ApiProperty({ example: 2.4, description: 'Transactions per day between first and last seen (at least one day).' })
  perDay!: number;

  @ApiProperty({ type: String, nullable: true, example: 'Warsaw' })
  favouriteStore!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'purchase' })
  favouriteType!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  firstSeen!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lastSeen!: string | null;

  @ApiProperty({
    enum: CUSTOMER_SEGMENTS,
    nullable: true,
    description: 'From the local view of the customers topic; null until the customer is known there.',
  })
  segment!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Warsaw' })
  city!: string | null;
}

export class StoreRecommendationDto {
  @ApiProperty({ example: 'Gdansk' })
  store!: string;

  @ApiProperty({ example: 4, description: 'Similar customers who shop there.' })
  customers!: number;

  @ApiProperty({ example: 11, description: 'Their transactions there.' })
  transactions!: number;
}

export class RecommendationsDto {
  @ApiProperty({ example: '42' })
  customerId!: string;

  @ApiProperty({ type: String, nullable: true, enum: CUSTOMER_SEGMENTS })
  segment!: string | null;

  @ApiProperty({ example: 12, description: 'Similar customers the ranking is based on.' })
  similarCustomers!: number;

  @ApiProperty({
    type: [StoreRecommendationDto],
    description: 'Best first; stores this customer has visited are left out.',
  })
  stores!: StoreRecommendationDto[];
}
