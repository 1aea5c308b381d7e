import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { RecommendationController } from './recommendation.controller.js';
import { recommendationMigrations } from './recommendation.migrations.js';
import { RecommendationRepository } from './recommendation.repository.js';
import { RecommendationService } from './recommendation.service.js';

/**
 * Customer profiles and store recommendations in the `recommendation` schema, built by the
 * `recommendation` consumer group (RecommendationProjection, which the app runs).
 */
@Module({
  imports: [DatabaseModule.forFeature(recommendationMigrations)],
  controllers: [RecommendationController],
  providers: [RecommendationRepository, RecommendationService],
  exports: [RecommendationService],
})
export class RecommendationModule {}
