import type { INestApplication } from '@nestjs/common';
import { groupTransport } from '@nurt/contracts';
import { ServerKafka, type CustomStrategy } from '@nestjs/microservices';
import type { ConsumerConfig, EachMessagePayload } from './kafkajs.js';
import { keepOriginal } from './kafka-record.js';
import { brokerGroupId, kafkaClientConfig, type KafkaEnv } from './kafka.config.js';
import { KAFKA_ENV } from './kafka.constants.js';
import { KafkaHealth, type KafkaStatusSource } from './kafka.health.js';
import { nestLogCreator } from './kafka.logger.js';

type ConsumerTuning =
  'sessionTimeout' | 'rebalanceTimeout' | 'heartbeatInterval' | 'maxBytesPerPartition' | 'maxBytes' | 'maxWaitTimeInMs';

export interface ConsumerGroupOptions {
  /** Used by Kafka as given (plus KAFKA_GROUP_SUFFIX, empty by default). Handlers bind with `@EventPattern(topic, groupTransport(groupId))`. */
  readonly groupId: string;
  /** Where a group with no committed offset starts. Default true: a new group builds its view from the whole log. */
  readonly fromBeginning?: boolean;
  /** Partitions of one instance processed in parallel; order within a partition is kept. */
  readonly partitionsConsumedConcurrently?: number;
  readonly consumer?: Partial<Pick<ConsumerConfig, ConsumerTuning>>;
}

/**
 * One consumer group as a Nest microservice server. Unlike a plain ServerKafka it keeps the group
 * id as configured (no '-server' suffix) and carries its own transport id, so that several groups
 * in one process each receive only the handlers declared for them.
 */
export class ConsumerGroupServer extends ServerKafka implements KafkaStatusSource {
  readonly name: string;
  private current = 'disconnected';

  constructor(
    env: KafkaEnv,
    readonly group: ConsumerGroupOptions,
  ) {
    super({
      client: { ...kafkaClientConfig(env, group.groupId), logCreator: nestLogCreator },
      consumer: {
        groupId: brokerGroupId(env, group.groupId),
        allowAutoTopicCreation: false,
        ...group.consumer,
      },
      subscribe: { fromBeginning: group.fromBeginning ?? true },
      run: { partitionsConsumedConcurrently: group.partitionsConsumedConcurrently ?? 1 },
      producer: { allowAutoTopicCreation: false },
      postfixId: '',
    });
    this.name = group.groupId;
    this.setTransportId(groupTransport(group.groupId));
    this.status.subscribe((s) => (this.current = s));
  }

  state(): string {
    return this.current;
  }

  /** Handlers get the record's original bytes through `kafkaRecord(ctx)`: dead letters must keep them exactly. */
  override handleMessage(payload: EachMessagePayload): Promise<unknown> {
    keepOriginal(payload.message);
    return super.handleMessage(payload);
  }
}

/** The strategy to pass to `app.connectMicroservice()` for one group. */
export function consumerGroup(
  env: KafkaEnv,
  options: ConsumerGroupOptions,
): CustomStrategy & { strategy: ConsumerGroupServer } {
  return { strategy: new ConsumerGroupServer(env, options) };
}

/**
 * Connects and starts one server per group on `app`, and shows each on /health. Call after
 * `app.init()`, so the topic bootstrap has run before any group subscribes.
 */
export async function connectConsumerGroups(
  app: INestApplication,
  groups: readonly ConsumerGroupOptions[],
): Promise<ConsumerGroupServer[]> {
  const env = app.get<KafkaEnv>(KAFKA_ENV);
  const health = app.get(KafkaHealth);
  const servers = groups.map((options) => {
    const { strategy } = consumerGroup(env, options);
    app.connectMicroservice({ strategy }, { inheritAppConfig: true });
    health.track(strategy);
    return strategy;
  });
  await app.startAllMicroservices();
  return servers;
}
