// kafkajs is CommonJS and Node cannot see all of its exports by name from ESM, so every value
// is taken from its default export here, once; the rest of the lib imports kafkajs from this file.
import kafkajs from 'kafkajs';
import type * as K from 'kafkajs';

export const Kafka = kafkajs.Kafka;
export type Kafka = K.Kafka;
export const logLevel = kafkajs.logLevel;
export type logLevel = K.logLevel;
export const Partitioners = kafkajs.Partitioners;
export const ConfigResourceTypes = kafkajs.ConfigResourceTypes;
export const CompressionTypes = kafkajs.CompressionTypes;
export const AssignerProtocol = kafkajs.AssignerProtocol;
export type {
  Admin,
  Consumer,
  ConsumerConfig,
  EachBatchPayload,
  ICustomPartitioner,
  IHeaders,
  KafkaConfig,
  KafkaMessage,
  logCreator,
  Message,
  PartitionerArgs,
  Producer,
  SASLOptions,
} from 'kafkajs';
