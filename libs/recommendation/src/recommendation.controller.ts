import { Controller, Get, Param, Query } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext } from '@nestjs/microservices';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ConsumerGroups, GroupTransports, Topics } from '@nurt/contracts';
import { CustomerConsumer, TransactionConsumer } from '@nurt/kafka';
import {
  CustomerIdParamDto,
  ProfileDto,
  RecommendationParamDto,
  RecommendationQueryDto,
  RecommendationsDto,
} from './recommendation.dto.js';
import { RecommendationService } from './recommendation.service.js';

@ApiTags('recommendation')
@Controller()
export class RecommendationController {
  constructor(private readonly recommendation: RecommendationService) {}

  @Get('customers/:id/profile')
  @ApiOkResponse({ type: ProfileDto })
  @ApiNotFoundResponse({ description: 'No transaction and no customer record with this id seen yet.' })
  @ApiBadRequestResponse({ description: 'The id breaks a rule.' })
  profile(@Param() params: CustomerIdParamDto): Promise<ProfileDto> {
    return this.recommendation.profile(params.id);
  }

  @Get('recommendations/:customerId')
  @ApiOkResponse({ type: RecommendationsDto })
  @ApiNotFoundResponse({ description: 'No transaction and no customer record with this id seen yet.' })
  @ApiBadRequestResponse({ description: 'A parameter breaks a rule; the body names it.' })
  recommendations(
    @Param() params: RecommendationParamDto,
    @Query() query: RecommendationQueryDto,
  ): Promise<RecommendationsDto> {
    return this.recommendation.recommendations(params.customerId, query.limit);
  }
}

/** The `recommendation` consumer group: transactions into profiles, the customers topic into its local view. */
@Controller()
export class RecommendationHandler {
  constructor(
    private readonly transactions: TransactionConsumer,
    private readonly customers: CustomerConsumer,
    private readonly recommendation: RecommendationService,
  ) {}

  @EventPattern(Topics.Transactions, GroupTransports.Recommendation)
  async onTransaction(@Ctx() ctx: KafkaContext): Promise<void> {
    await this.transactions.consume(ctx, ConsumerGroups.Recommendation, (tx, record) =>
      this.recommendation.apply(tx, record),
    );
  }

  @EventPattern(Topics.Customers, GroupTransports.Recommendation)
  async onCustomer(@Ctx() ctx: KafkaContext): Promise<void> {
    // Customer changes are upserts of the latest state (idempotent by nature); a bad one goes to customers.dlq.
    await this.customers.consume(ctx, ConsumerGroups.Recommendation, ({ key, customer }) =>
      this.recommendation.customerChanged(key, customer),
    );
  }
}
