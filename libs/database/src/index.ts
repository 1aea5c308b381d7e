export { PgErrorCodes, pgErrorCode, type Database, type Queryable } from './database.js';
export { DatabaseEnv, loadDatabaseEnv } from './database.config.js';
export { DATABASE } from './database.constants.js';
export {
  checkDatabaseConfig,
  DatabaseModule,
  describeStorage,
  openDatabase,
  type DatabaseModuleOptions,
} from './database.module.js';
export { migrate, type Migration, type SchemaMigrations } from './migrations.js';
export { PgliteDatabase } from './pglite.database.js';
export { PostgresDatabase } from './postgres.database.js';
export {
  APPLIED_EVENTS_TABLE_SQL,
  appliedEventsKeptFor,
  applyOnce,
  claimNew,
  inLockOrder,
  type Delivered,
  type DeliveredEvent,
} from './applied-once.js';
export { RetentionSchedule, type RetentionRule } from './retention.js';
