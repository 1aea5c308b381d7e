export { loadTransactionsEnv, TransactionsEnv } from './transactions.config.js';
export { AcceptedBatchDto, AcceptedTransactionDto, MAX_BATCH, TransactionBatchDto } from './transactions.dto.js';
export { TransactionsModule } from './transactions.module.js';
export { TransactionsService } from './transactions.service.js';
export {
  INCIDENT_KINDS,
  storeDistanceKm,
  type CustomerTransaction,
  type Habits,
  type Incident,
  type IncidentKind,
  type Trip,
} from './shoppers.js';
export {
  customerHabits,
  DEFAULT_FRAUD_RATIO,
  DEFAULT_TRAFFIC_DAYS,
  customerTrips,
  generateFraudTraffic,
  generateShopTraffic,
  type FraudTraffic,
  type FraudTrafficOptions,
  type ShopTraffic,
  type ShopTrafficOptions,
} from './traffic.generator.js';
export { formatTransactionLine } from './transaction-line.js';
