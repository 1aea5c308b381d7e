export { ProfileDto, RecommendationsDto, StoreRecommendationDto } from './recommendation.dto.js';
export { RECOMMENDATION_SCHEMA } from './recommendation.migrations.js';
export { RecommendationModule } from './recommendation.module.js';
export { RecommendationProjection } from './recommendation.projection.js';
export { RecommendationService } from './recommendation.service.js';
