import { Body, Controller, Get, Put, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AdminGuard } from '@nurt/observability';
import { ActivateModelDto } from './prediction.dto.js';
import { PredictionExceptionFilter } from './prediction.filter.js';
import type { ModelMetadata } from './model-metadata.js';
import { PriceModelRegistry } from './price-model.registry.js';
import type { PriceModel } from './price-model.js';

export interface ModelInfo {
  readonly name: string;
  readonly version: string;
  readonly created_at: string;
  readonly backend: string;
  readonly features: ModelMetadata['features'];
  readonly target: ModelMetadata['target'];
  readonly metrics: ModelMetadata['metrics'];
  readonly data: ModelMetadata['data'];
}

@ApiTags('prediction')
@Controller('models/price')
@UseFilters(PredictionExceptionFilter)
export class PriceModelController {
  constructor(private readonly registry: PriceModelRegistry) {}

  @Get()
  @ApiOperation({ summary: 'The price model being served: version, features, held-out metrics' })
  @ApiOkResponse({ description: 'Model metadata as recorded by training.' })
  info(): ModelInfo {
    return this.describe(this.registry.current());
  }

  @Get('versions')
  @ApiOperation({ summary: 'Version folders available under MODEL_DIR' })
  async versions(): Promise<{ versions: string[]; active: string }> {
    return { versions: await this.registry.versions(), active: this.registry.current().version };
  }

  @Put('active')
  @UseGuards(AdminGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Switch to another version; the old one serves until the new one is warmed up',
    description:
      'An operator action: needs NURT_ADMIN_TOKEN as a bearer token, or, without one set, a loopback client.',
  })
  @ApiUnauthorizedResponse({ description: 'NURT_ADMIN_TOKEN is set and the request has no bearer token.' })
  @ApiForbiddenResponse({ description: 'A wrong token, or no token set and the client is not on this machine.' })
  @ApiNotFoundResponse({ description: 'No such version folder.' })
  @ApiConflictResponse({ description: 'Another switch is in progress.' })
  @ApiUnprocessableEntityResponse({ description: 'The version folder holds no valid model.' })
  async activate(@Body() body: ActivateModelDto): Promise<ModelInfo> {
    return this.describe(await this.registry.activate(body.version));
  }

  private describe(model: PriceModel): ModelInfo {
    const m = model.metadata;
    return {
      name: m.name,
      version: m.version,
      created_at: m.createdAt,
      backend: this.registry.backendName,
      features: m.features,
      target: m.target,
      metrics: m.metrics,
      data: m.data,
    };
  }
}
