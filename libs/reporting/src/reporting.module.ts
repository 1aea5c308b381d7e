import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { ReportingController, ReportingHandler } from './reporting.controller.js';
import { reportingMigrations } from './reporting.migrations.js';
import { ReportingRepository } from './reporting.repository.js';
import { ReportingService } from './reporting.service.js';

/**
 * Sales statistics built by the `reporting` consumer group. Needs KafkaModule and DatabaseModule
 * roots in the app, and the group itself among the app's consumer groups.
 */
@Module({
  imports: [DatabaseModule.forFeature(reportingMigrations)],
  controllers: [ReportingController, ReportingHandler],
  providers: [ReportingRepository, ReportingService],
})
export class ReportingModule {}
