import { Controller, Get, Query } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext } from '@nestjs/microservices';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ConsumerGroups, GroupTransports, Topics } from '@nurt/contracts';
import { TransactionConsumer } from '@nurt/kafka';
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

/** The `anti-fraud` consumer group: every transaction through the fraud rules. */
@Controller()
export class FraudHandler {
  constructor(
    private readonly consumer: TransactionConsumer,
    private readonly fraud: FraudService,
  ) {}

  @EventPattern(Topics.Transactions, GroupTransports.AntiFraud)
  async onTransaction(@Ctx() ctx: KafkaContext): Promise<void> {
    await this.consumer.consume(ctx, ConsumerGroups.AntiFraud, async (tx, record) => {
      await this.fraud.apply(tx, record);
    });
  }
}
