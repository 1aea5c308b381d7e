import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AlertsDto, AlertsQueryDto, PendingDto } from './fraud.dto.js';
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

  @Get('pending')
  @ApiOkResponse({ type: PendingDto, description: 'What waits to be judged by the fraud rules.' })
  async pending(): Promise<PendingDto> {
    const p = await this.fraud.pending();
    return {
      transactions: p.transactions,
      oldestOccurredAt: p.oldestOccurredAt?.toISOString() ?? null,
      latenessSeconds: this.fraud.latenessSeconds,
    };
  }
}
