import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry, type HealthCheck, type HealthCheckResult } from '@nurt/observability';
import { ConsumerGroups } from './consumer-groups.js';
import { KafkaAdmin } from './kafka-admin.js';
import type { GroupState } from './projection.server.js';

/**
 * Down only when kafkajs gave up on the group (or it stopped on its own): joining, rebalancing, a
 * restart after a retriable error and an operator's deliberate stop (stopped-by-operator) pass.
 */
const DOWN: ReadonlySet<GroupState> = new Set(['crashed', 'stopped']);

/** Reports broker reachability (a metadata round trip) and the state of each consumer group in this process. */
@Injectable()
export class KafkaHealth implements HealthCheck, OnModuleInit {
  readonly name = 'kafka';

  constructor(
    private readonly admin: KafkaAdmin,
    private readonly registry: HealthRegistry,
    private readonly groups: ConsumerGroups,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async check(): Promise<HealthCheckResult> {
    try {
      const cluster = await this.admin.use((admin) => admin.describeCluster());
      const groups = Object.fromEntries(
        this.groups.names().map((name) => {
          // lag: records written and not yet committed by the group, all partitions (null: not read yet).
          const { group: _group, rebuildable: _rebuildable, ...view } = this.groups.view(name);
          return [name, view];
        }),
      );
      const groupsUp = Object.values(groups).every((s) => !DOWN.has(s.state));
      return {
        status: groupsUp ? 'up' : 'down',
        brokers: cluster.brokers.length,
        controller: cluster.controller,
        clusterId: cluster.clusterId,
        ...(this.groups.names().length > 0 ? { consumerGroups: groups } : {}),
      };
    } catch (err: unknown) {
      return { status: 'down', error: err instanceof Error ? err.message : String(err) };
    }
  }
}
