import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AlertsDto, AlertsQueryDto } from './fraud.dto.js';
import { FraudService } from './fraud.service.js';

@ApiTags('fraud')
@Controller('fraud')
export class FraudController {
  constructor(private readonly fraud: FraudService) {}

  @Get('alerts')
  @ApiOkResponse({ type: AlertsDto })
  @ApiBadRequestResponse({ description: 'A query parameter breaks a rule; the body names it.' })
  async alerts(@Query() query: AlertsQueryDto): Promise<AlertsDto> {
    return {
      alerts: await this.fraud.alerts({
        limit: query.limit,
        ...(query.customerId !== undefined ? { customerId: query.customerId } : {}),
        ...(query.since !== undefined ? { since: new Date(query.since) } : {}),
      }),
    };
  }
}
