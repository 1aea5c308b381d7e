import { Global, Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { TOPIC_SPECS, type TopicSpec } from '@nurt/contracts';
import { Kafka } from './kafkajs.js';
import { kafkaClientConfig, loadKafkaEnv, type KafkaEnv } from './kafka.config.js';
import { KAFKA_CLIENT, KAFKA_ENV, KAFKA_TOPICS } from './kafka.constants.js';
import { KafkaHealth } from './kafka.health.js';
import { nestLogCreator } from './kafka.logger.js';
import { KafkaProducer } from './kafka-producer.service.js';
import { TopicBootstrap } from './topic-bootstrap.service.js';
import { DeadLetterWriter } from './dead-letters.js';
import { ConsumerLag } from './consumer-lag.js';
import { ConsumerGroups } from './consumer-groups.js';
import { ConsumerGroupsController } from './consumer-groups.controller.js';
import { KafkaPanels } from './kafka.panels.js';
import { KafkaAdmin } from './kafka-admin.js';

export interface KafkaModuleOptions {
  /** Appended to KAFKA_CLIENT_ID, so broker logs tell the apps apart. */
  readonly clientId?: string;
  /** Topics this app makes sure exist at start-up. Default: every topic in @nurt/contracts. */
  readonly topics?: readonly TopicSpec[];
  /** Env to read instead of process.env (tests). */
  readonly env?: KafkaEnv;
}

/** What the module provides to the whole app besides the env and the client. */
const SERVICES = [
  KafkaProducer,
  KafkaAdmin,
  TopicBootstrap,
  KafkaHealth,
  DeadLetterWriter,
  ConsumerLag,
  ConsumerGroups,
];

@Global()
@Module({})
export class KafkaModule implements OnModuleInit {
  constructor(
    private readonly bootstrap: TopicBootstrap,
    @Inject(KAFKA_TOPICS) private readonly topics: readonly TopicSpec[],
  ) {}

  static forRoot(options: KafkaModuleOptions = {}): DynamicModule {
    return {
      module: KafkaModule,
      controllers: [ConsumerGroupsController],
      providers: [
        { provide: KAFKA_ENV, useFactory: () => options.env ?? loadKafkaEnv() },
        {
          provide: KAFKA_CLIENT,
          inject: [KAFKA_ENV],
          useFactory: (env: KafkaEnv) =>
            new Kafka({ ...kafkaClientConfig(env, options.clientId), logCreator: nestLogCreator }),
        },
        { provide: KAFKA_TOPICS, useValue: options.topics ?? TOPIC_SPECS },
        ...SERVICES,
        KafkaPanels,
      ],
      exports: [KAFKA_ENV, KAFKA_CLIENT, ...SERVICES],
    };
  }

  /** Runs during app.init(), before any consumer group subscribes or any record is produced. */
  async onModuleInit(): Promise<void> {
    await this.bootstrap.start(this.topics);
  }
}
