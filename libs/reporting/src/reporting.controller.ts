import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SalesQueryDto, SalesReportDto } from './reporting.dto.js';
import { ReportingService } from './reporting.service.js';

@ApiTags('reporting')
@Controller('reports')
export class ReportingController {
  constructor(private readonly reporting: ReportingService) {}

  @Get('sales')
  @ApiOkResponse({ type: SalesReportDto })
  @ApiBadRequestResponse({ description: 'A query parameter breaks a rule; the body names it.' })
  sales(@Query() query: SalesQueryDto): Promise<SalesReportDto> {
    return this.reporting.sales({
      window: query.window,
      limit: query.limit,
      ...(query.store !== undefined ? { store: query.store } : {}),
      ...(query.since !== undefined ? { since: new Date(query.since) } : {}),
    });
  }
}
