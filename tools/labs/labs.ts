// Every lab, in the order the lecture introduces its concept.
import type { Lab } from './kit.js';
import { consumerGroupsRebalancing } from './consumer-groups-rebalancing.js';
import { consumerOffsets } from './consumer-offsets.js';
import { dockerKubernetes } from './docker-kubernetes.js';
import { keysVsRoundRobin } from './keys-vs-round-robin.js';
import { modelServing } from './model-serving.js';
import { monolithVsMicroservices } from './monolith-vs-microservices.js';
import { pubSub } from './pub-sub.js';
import { replication } from './replication.js';
import { rest } from './rest.js';
import { retention } from './retention.js';
import { topicsPartitionsOffsets } from './topics-partitions-offsets.js';

export const LABS: readonly Lab[] = [
  monolithVsMicroservices,
  rest,
  modelServing,
  topicsPartitionsOffsets,
  keysVsRoundRobin,
  consumerOffsets,
  consumerGroupsRebalancing,
  pubSub,
  replication,
  retention,
  dockerKubernetes,
];
