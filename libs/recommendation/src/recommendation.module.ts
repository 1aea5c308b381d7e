import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { RecommendationController, RecommendationHandler } from './recommendation.controller.js';
import { recommendationMigrations } from './recommendation.migrations.js';
import { RecommendationRepository } from './recommendation.repository.js';
import { RecommendationService } from './recommendation.service.js';

/** The `recommendation` consumer group: customer profiles and store recommendations in its own schema. */
@Module({
  imports: [DatabaseModule.forFeature(recommendationMigrations)],
  controllers: [RecommendationController, RecommendationHandler],
  providers: [RecommendationRepository, RecommendationService],
})
export class RecommendationModule {}
