export type { ConsumedRecord, RecordBatch } from './consumed-record.js';
export { ConsumerGroups, type RebuildProgress } from './consumer-groups.js';
export { ConsumerLag } from './consumer-lag.js';
export { DeadLetterHeaders } from './dead-letters.js';
export { brokerGroupId, describeBrokers, kafkaClientConfig, KafkaEnv, loadKafkaEnv } from './kafka.config.js';
export { KAFKA_CLIENT, KAFKA_ENV } from './kafka.constants.js';
export { KafkaAdmin } from './kafka-admin.js';
export { ensureReachable, isConnectionError, securityProblem, whyUntrusted } from './reachability.js';
export { KafkaHealth } from './kafka.health.js';
export { KafkaModule, type KafkaModuleOptions } from './kafka.module.js';
export {
  KafkaProducer,
  KafkaSendError,
  type Partitioning,
  type ProduceRecord,
  type ProduceResult,
  type SendOutcome,
} from './kafka-producer.service.js';
export { OutboxRelay, type OutboxSource } from './outbox.relay.js';
export {
  OnBatch,
  OnRebuild,
  Projection,
  projectionGroups,
  type ProjectionDefinition,
} from './projection.decorators.js';
export { startProjections } from './projections.js';
export { ReplicationShortfall, TopicBootstrap, type TopicChange } from './topic-bootstrap.service.js';
export { tailTopic, type TailedRecord, type TopicTail } from './topic-tail.js';
export { DrainLoop, type DrainLoopOptions } from './drain-loop.js';
