import { Body, Controller, Get, HttpCode, Post, Query, UseFilters, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApartmentDto,
  BatchPredictionResponseDto,
  MAX_BATCH_ROWS,
  PredictBatchDto,
  PredictionResponseDto,
} from './prediction.dto.js';
import { PredictionExceptionFilter } from './prediction.filter.js';
import { PredictionLatencyInterceptor } from './prediction.interceptor.js';
import { PredictionService } from './prediction.service.js';

@ApiTags('prediction')
@Controller('predict')
@UseFilters(PredictionExceptionFilter)
@UseInterceptors(PredictionLatencyInterceptor)
export class PredictionController {
  constructor(private readonly prediction: PredictionService) {}

  @Get()
  @ApiOperation({ summary: 'Estimate the price of one apartment' })
  @ApiOkResponse({ type: PredictionResponseDto })
  @ApiBadRequestResponse({ description: 'A parameter is missing, not a number or out of range; the body names it.' })
  @ApiServiceUnavailableResponse({ description: 'The model is not loaded yet.' })
  async predict(@Query() apartment: ApartmentDto): Promise<PredictionResponseDto> {
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
