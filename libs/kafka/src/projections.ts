import type { INestApplication, Type } from '@nestjs/common';
import type { TopicContract } from '@nurt/contracts';
import { METRICS_REGISTRY } from '@nurt/observability';
import type { Registry } from 'prom-client';
import { ConsumerGroups } from './consumer-groups.js';
import { DeadLetterWriter } from './dead-letters.js';
import type { KafkaEnv } from './kafka.config.js';
import { KAFKA_CLIENT, KAFKA_ENV } from './kafka.constants.js';
import type { Kafka } from './kafkajs.js';
import { projectionGroups } from './projection.decorators.js';
import { ProjectionMetrics } from './projection.metrics.js';
import { ProjectionServer } from './projection.server.js';
import { SharedDecoder } from './record-decoder.js';
import { TopicBootstrap } from './topic-bootstrap.service.js';

/**
 * Starts one consumer group per group the given projection classes declare, each as its own Nest
 * transport in this process, and shows each on /health. The classes must be controllers of the
 * app's modules. Each is added to ConsumerGroups (health, lag, rebuild). Call after the app listens: a process answers HTTP before it joins a group (a
 * second process on a busy port then fails without making the groups rebalance), and a group's
 * first join can wait out a dead member's session.
 */
export async function startProjections(app: INestApplication, types: readonly Type[]): Promise<void> {
  const definitions = projectionGroups(types);
  if (definitions.length === 0) return;
  const env = app.get<KafkaEnv>(KAFKA_ENV);
  const kafka = app.get<Kafka>(KAFKA_CLIENT);
  const deadLetters = app.get(DeadLetterWriter);
  const groups = app.get(ConsumerGroups);
  const metrics = new ProjectionMetrics(app.get<Registry>(METRICS_REGISTRY));
  const readers = new Map<TopicContract<unknown>, number>();
  for (const d of definitions) for (const c of d.contracts) readers.set(c, (readers.get(c) ?? 0) + 1);
  const decoder = new SharedDecoder(readers);
  const topics = app.get(TopicBootstrap);
  for (const definition of definitions) {
    const server = new ProjectionServer(kafka, env, definition, deadLetters, metrics, decoder, topics);
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: false });
    groups.add(server);
  }
  await app.startAllMicroservices();
}
