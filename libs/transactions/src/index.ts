export { loadTransactionsEnv, TransactionsEnv } from './transactions.config.js';
export { AcceptedBatchDto, AcceptedTransactionDto, MAX_BATCH, TransactionBatchDto } from './transactions.dto.js';
export { TransactionsModule } from './transactions.module.js';
export { TransactionsService } from './transactions.service.js';
export {
  FRAUD_PATTERNS,
  TrafficGenerator,
  type FraudPattern,
  type GeneratedTraffic,
  type TrafficOptions,
} from './traffic.generator.js';
export { formatTransactionLine } from './transaction-line.js';
