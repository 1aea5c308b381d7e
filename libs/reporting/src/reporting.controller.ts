import { Controller, Get, Query } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext } from '@nestjs/microservices';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ConsumerGroups, GroupTransports, Topics } from '@nurt/contracts';
import { TransactionConsumer } from '@nurt/kafka';
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

/** The `reporting` consumer group: every transaction into the sales statistics. */
@Controller()
export class ReportingHandler {
  constructor(
    private readonly consumer: TransactionConsumer,
    private readonly reporting: ReportingService,
  ) {}

  @EventPattern(Topics.Transactions, GroupTransports.Reporting)
  async onTransaction(@Ctx() ctx: KafkaContext): Promise<void> {
    await this.consumer.consume(ctx, ConsumerGroups.Reporting, async (tx, record) => {
      await this.reporting.apply(tx, record);
    });
  }
}
