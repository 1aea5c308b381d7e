import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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
