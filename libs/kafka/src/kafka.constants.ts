export const KAFKA_ENV = Symbol('nurt.kafka.env');
export const KAFKA_CLIENT = Symbol('nurt.kafka.client');
export const KAFKA_TOPICS = Symbol('nurt.kafka.topics');
