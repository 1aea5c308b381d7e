import { Module } from '@nestjs/common';
import { DatabaseModule } from '@nurt/database';
import { ReportingController } from './reporting.controller.js';
import { ReportingPanel } from './reporting.panel.js';
import { reportingMigrations } from './reporting.migrations.js';
import { ReportingRepository } from './reporting.repository.js';
import { ReportingService } from './reporting.service.js';

/**
 * Sales statistics built by the `reporting` consumer group (ReportingProjection, which the app
 * runs). Needs KafkaModule and DatabaseModule roots in the app.
 */
@Module({
  imports: [DatabaseModule.forFeature(reportingMigrations)],
  controllers: [ReportingController],
  providers: [ReportingRepository, ReportingService, ReportingPanel],
  exports: [ReportingService],
})
export class ReportingModule {}
