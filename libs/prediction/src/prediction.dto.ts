import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ToNumber } from '@nurt/config';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  ValidateBy,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { APARTMENT_RULES, brokenNumberRule, CITY_MESSAGE, type NumberRule } from './apartment.rules.js';
import { CITIES, type City } from './price-features.js';

export const MAX_BATCH_ROWS = 1000;

/**
 * One rule and one message per field ("bedrooms must be an integer"), instead of a stack of
 * class-validator decorators each reporting its own complaint about the same bad value.
 */
function NumberField(rule: NumberRule): PropertyDecorator {
  return ValidateBy({
    name: 'numberField',
    validator: {
      validate: (value: unknown) => brokenNumberRule(value, rule) === undefined,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'value'} ${brokenNumberRule(args?.value, rule) ?? 'is invalid'}`,
    },
  });
}

/** One apartment, as query parameters of GET /predict/ or as a row of POST /predict/batch. */
export class ApartmentDto {
  @ApiProperty({ description: 'Floor area in m²', example: 65, minimum: 0, exclusiveMinimum: true, maximum: 10_000 })
  @ToNumber()
  @NumberField(APARTMENT_RULES.area)
  area!: number;

  @ApiProperty({ description: 'Number of bedrooms (0 = studio)', example: 3, minimum: 0, maximum: 50 })
  @ToNumber()
  @NumberField(APARTMENT_RULES.bedrooms)
  bedrooms!: number;

  @ApiProperty({ description: 'Building age in years', example: 10, minimum: 0, maximum: 500 })
  @ToNumber()
  @NumberField(APARTMENT_RULES.building_age)
  building_age!: number;

  @ApiPropertyOptional({
    description: 'City; leave out when unknown and the model answers for the six cities’ mix',
    enum: CITIES,
  })
  @IsOptional()
  @IsIn(CITIES, { message: CITY_MESSAGE })
  city?: City;
}

export class PredictBatchDto {
  @ApiProperty({ type: [ApartmentDto], minItems: 1, maxItems: MAX_BATCH_ROWS })
  @IsArray({ message: 'rows must be an array' })
  @ArrayMinSize(1, { message: 'rows must contain at least 1 apartment' })
  @ArrayMaxSize(MAX_BATCH_ROWS, { message: `rows must contain at most ${MAX_BATCH_ROWS} apartments` })
  // Without it, rows of nested arrays ([[[]]]) pass: ValidateNested walks into arrays and finds
  // nothing to check, and the model would price an apartment made of no features.
  @IsObject({ each: true, message: 'rows must hold apartment objects ({area, bedrooms, building_age}), one per row' })
  @ValidateNested({ each: true })
  @Type(() => ApartmentDto)
  rows!: ApartmentDto[];
}

export class PredictionResponseDto {
  @ApiProperty({ example: 782887.37, description: 'PLN, rounded to 2 decimals' })
  estimated_price!: number;

  @ApiProperty({ example: 'PLN' })
  currency!: 'PLN';

  @ApiProperty({ example: 'v1' })
  model_version!: string;
}

export class BatchPredictionDto {
  @ApiProperty({ example: 782887.37 })
  estimated_price!: number;
}

export class BatchPredictionResponseDto {
  @ApiProperty({ type: [BatchPredictionDto], description: 'One per input row, in order' })
  predictions!: BatchPredictionDto[];

  @ApiProperty({ example: 'PLN' })
  currency!: 'PLN';

  @ApiProperty({ example: 'v1' })
  model_version!: string;
}

export class ActivateModelDto {
  @ApiProperty({ example: 'v2', description: 'A version folder under MODEL_DIR' })
  @IsString({ message: 'version must be a string' })
  version!: string;
}
