export { SalesGroupDto, SalesQueryDto, SalesReportDto, SalesStatsDto } from './reporting.dto.js';
export { REPORTING_SCHEMA } from './reporting.migrations.js';
export { ReportingModule } from './reporting.module.js';
export { ReportingProjection } from './reporting.projection.js';
export { ReportingService } from './reporting.service.js';
