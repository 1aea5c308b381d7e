export {
  connectConsumerGroups,
  consumerGroup,
  ConsumerGroupServer,
  type ConsumerGroupOptions,
} from './consumer-group.server.js';
export { brokerGroupId, kafkaClientConfig, KafkaEnv, loadKafkaEnv } from './kafka.config.js';
export { KAFKA_CLIENT, KAFKA_ENV } from './kafka.constants.js';
export { KafkaHealth } from './kafka.health.js';
export { KafkaModule, type KafkaModuleOptions } from './kafka.module.js';
export {
  KafkaProducer,
  KafkaSendTimeoutError,
  type Partitioning,
  type ProduceRecord,
  type ProduceResult,
} from './kafka-producer.service.js';
export { TopicBootstrap, type TopicChange } from './topic-bootstrap.service.js';
export {
  DeadLetterHeaders,
  KafkaEventConsumer,
  type ConsumeOutcome,
  type DeadLetterReason,
  type EventSpec,
} from './event-consumer.service.js';
export { headerText, kafkaRecord, type KafkaRecord } from './kafka-record.js';
export { TransactionConsumer } from './transaction-consumer.service.js';
export { CustomerConsumer, parseCustomerRecord, type CustomerChange } from './customer-consumer.service.js';
export { tailTopic, type TailedRecord, type TopicTail } from './topic-tail.js';
