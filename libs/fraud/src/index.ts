export { FraudEnv, loadFraudEnv } from './fraud.config.js';
export { AlertsDto, AlertsQueryDto } from './fraud.dto.js';
export { FRAUD_SCHEMA } from './fraud.migrations.js';
export { FraudModule } from './fraud.module.js';
export { FraudService } from './fraud.service.js';
export { FraudProjection } from './fraud.projection.js';
