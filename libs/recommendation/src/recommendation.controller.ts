import { Controller, Get, Param, Query } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext } from '@nestjs/microservices';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  ConsumerGroups,
  GroupTransports,
  parseCustomerEvent,
  Topics,
  type CustomerEvent,
  type Parsed,
} from '@nurt/contracts';
import { KafkaEventConsumer, TransactionConsumer } from '@nurt/kafka';
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

type CustomerChange = { readonly key: string; readonly customer: CustomerEvent | null };

/** The `recommendation` consumer group: transactions into profiles, the customers topic into its local view. */
@Controller()
export class RecommendationHandler {
  constructor(
    private readonly transactions: TransactionConsumer,
    private readonly events: KafkaEventConsumer,
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
    // Customer changes are upserts of the latest state (idempotent by nature); a bad one is logged and skipped.
    await this.events.consume<CustomerChange>(ctx, {
      group: ConsumerGroups.Recommendation,
      parse: (json, record): Parsed<CustomerChange> => {
        const key = record.key?.toString() ?? '';
        if (json === null) {
          return key
            ? { ok: true, value: { key, customer: null } }
            : { ok: false, errors: [{ field: '$key', message: 'a tombstone needs a key' }] };
        }
        const parsed = parseCustomerEvent(json);
        return parsed.ok ? { ok: true, value: { key: String(parsed.value.id), customer: parsed.value } } : parsed;
      },
      handle: ({ key, customer }) => this.recommendation.customerChanged(key, customer),
    });
  }
}
