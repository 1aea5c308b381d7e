export { ConsumerGroups, type ConsumerGroupId } from './consumer-groups.js';
export { redeliverableForMs, TOPIC_SPECS, Topics, topicSpec, type TopicName, type TopicSpec } from './topics.js';
export type { RecordEnvelope, TopicContract } from './topic-contract.js';
export {
  DEFAULT_CURRENCY,
  parseTransaction,
  TRANSACTION_TYPES,
  TransactionEvent,
  TransactionsTopic,
  type Transaction,
  type TransactionDefaults,
  type TransactionType,
} from './transaction.event.js';
export {
  flattenValidationErrors,
  inputProblem,
  ISO_DATE_TIME,
  NON_BLANK_TEXT,
  STORABLE_TEXT,
  parseFast,
  prefixErrors,
  validationErrorBody,
  type FieldError,
  type Parsed,
  type ParseOptions,
  type ValidationErrorBody,
} from './validation.js';
export { STORES, storeLocation, type StoreLocation } from './stores.js';
export {
  CUSTOMER_EVENT_TYPE_HEADER,
  CUSTOMER_EVENT_TYPES,
  CUSTOMER_SEGMENTS,
  CustomerEvent,
  CustomersTopic,
  EXAMPLE_CUSTOMER,
  parseCustomerEvent,
  type CustomerChange,
  type CustomerEventType,
  type CustomerSegment,
} from './customer.event.js';
export { FRAUD_RULES, FraudAlertEvent, type FraudRule } from './fraud-alert.event.js';
export { SERVICE_SPECS, SERVICES, type ServiceName, type ServiceSpec } from './services.js';
export { centsText, toCents } from './money.js';
