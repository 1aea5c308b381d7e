export {
  connectConsumerGroups,
  consumerGroup,
  ConsumerGroupServer,
  type ConsumerGroupOptions,
} from './consumer-group.server.js';
export { kafkaClientConfig, KafkaEnv, loadKafkaEnv } from './kafka.config.js';
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
