import { Body, Controller, Get, HttpCode, Post, Query, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ApartmentQueryPipe } from './apartment-query.pipe.js';
import { APARTMENT_RULES, ruleSchema } from './apartment.rules.js';
import {
  BatchPredictionResponseDto,
  MAX_BATCH_ROWS,
  PredictBatchDto,
  PredictionResponseDto,
} from './prediction.dto.js';
import { PredictionExceptionFilter } from './prediction.filter.js';
import { PredictionService } from './prediction.service.js';
import { CITIES, type Apartment } from './price-features.js';

@ApiTags('prediction')
@Controller('predict')
@UseFilters(PredictionExceptionFilter)
export class PredictionController {
  constructor(private readonly prediction: PredictionService) {}

  @Get()
  @ApiOperation({ summary: 'Estimate the price of one apartment' })
  @ApiOkResponse({ type: PredictionResponseDto })
  @ApiBadRequestResponse({ description: 'A parameter is missing, not a number or out of range; the body names it.' })
  @ApiServiceUnavailableResponse({ description: 'The model is not loaded yet.' })
  @ApiQuery({ name: 'area', schema: ruleSchema(APARTMENT_RULES.area), description: 'Floor area in m²', example: 65 })
  @ApiQuery({
    name: 'bedrooms',
    schema: ruleSchema(APARTMENT_RULES.bedrooms),
    description: 'Bedrooms (0 = studio)',
    example: 3,
  })
  @ApiQuery({
    name: 'building_age',
    schema: ruleSchema(APARTMENT_RULES.building_age),
    description: 'Building age in years',
    example: 10,
  })
  @ApiQuery({
    name: 'city',
    required: false,
    enum: CITIES,
    description: 'Leave out when unknown: the model then answers for the six cities’ mix',
  })
  async predict(@Query(ApartmentQueryPipe) apartment: Apartment): Promise<PredictionResponseDto> {
    const { price, version } = await this.prediction.predictOne(apartment);
    return { estimated_price: price, currency: 'PLN', model_version: version };
  }

  @Post('batch')
  @HttpCode(200)
  @ApiOperation({ summary: `Estimate prices of up to ${MAX_BATCH_ROWS} apartments in one model call` })
  @ApiOkResponse({ type: BatchPredictionResponseDto })
  @ApiBadRequestResponse({
    description: 'A row is invalid (the field is named as rows.<index>.<field>) or too many rows.',
  })
  predictBatch(@Body() body: PredictBatchDto): BatchPredictionResponseDto {
    const { prices, version } = this.prediction.predictMany(body.rows);
    return { predictions: prices.map((p) => ({ estimated_price: p })), currency: 'PLN', model_version: version };
  }
}
