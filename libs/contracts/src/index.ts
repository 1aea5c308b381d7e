export { ConsumerGroups, GroupTransports, groupTransport, type ConsumerGroupId } from './consumer-groups.js';
export { TOPIC_SPECS, Topics, topicSpec, type TopicName, type TopicSpec } from './topics.js';
export {
  DEFAULT_CURRENCY,
  parseTransaction,
  TRANSACTION_TYPES,
  TransactionEvent,
  type Transaction,
  type TransactionDefaults,
  type TransactionType,
} from './transaction.event.js';
export { flattenValidationErrors, parseAs, type FieldError, type Parsed, type ParseOptions } from './validation.js';
export { STORES, storeLocation, type StoreLocation } from './stores.js';
export {
  CUSTOMER_EVENT_TYPE_HEADER,
  CUSTOMER_EVENT_TYPES,
  CUSTOMER_SEGMENTS,
  CustomerEvent,
  EXAMPLE_CUSTOMER,
  parseCustomerEvent,
  type CustomerEventType,
  type CustomerSegment,
} from './customer.event.js';
export { FRAUD_RULES, FraudAlertEvent, type FraudRule } from './fraud-alert.event.js';
export { SERVICE_SPECS, SERVICES, type ServiceName, type ServiceSpec } from './services.js';
