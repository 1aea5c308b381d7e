import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { TopicSpec } from '@nurt/contracts';
import {
  DashboardPanels,
  type GroupMemberView,
  type GroupPartitionView,
  type Panel,
  type PanelSource,
  type TopicView,
} from '@nurt/observability';
import { ConsumerGroups } from './consumer-groups.js';
import { lagOf } from './consumer-lag.js';
import { brokerGroupId, type KafkaEnv } from './kafka.config.js';
import { KAFKA_CLIENT, KAFKA_ENV, KAFKA_TOPICS } from './kafka.constants.js';
import { AssignerProtocol, type Admin, type Kafka } from './kafkajs.js';
import { connectAdmin } from './reachability.js';

/** The partitions assigned to a member, from the bytes the group's leader sent it (empty while none). */
function assignmentOf(bytes: Buffer): Record<string, number[]> {
  if (bytes.length === 0) return {};
  const decoded = AssignerProtocol.MemberAssignment.decode(bytes);
  return decoded ? { ...decoded.assignment } : {};
}

/**
 * The dashboard's Kafka panels, read from the broker on each refresh: the topics this app declares
 * with each partition's start and end offsets, and for every consumer group this process runs, the
 * group as the broker sees it (state, members, which member holds which partition) with its
 * committed offset and lag per partition. A rebalance shows as it happens: the state changes, then
 * the members and their partitions.
 */
@DashboardPanels()
@Injectable()
export class KafkaPanels implements PanelSource, OnApplicationShutdown {
  private admin: Admin | null = null;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
    @Inject(KAFKA_TOPICS) private readonly topics: readonly TopicSpec[],
    private readonly groups: ConsumerGroups,
  ) {}

  async panels(): Promise<Panel[]> {
    try {
      return await this.read((this.admin ??= this.kafka.admin()));
    } catch (err: unknown) {
      // A fresh client next time: this one may be connected to a broker that is gone.
      const admin = this.admin;
      this.admin = null;
      await admin?.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = null;
  }

  private async read(admin: Admin): Promise<Panel[]> {
    await connectAdmin(admin, this.env.KAFKA_BROKERS);
    const groups = this.groups.names().map((name) => ({
      name,
      id: brokerGroupId(this.env, name),
      topics: this.groups.topicsOf(name),
    }));
    const names = [...new Set([...this.topics.map((t) => t.name), ...groups.flatMap((g) => g.topics)])];
    const existing = new Set(await admin.listTopics());
    const ends = new Map(
      await Promise.all(
        names.filter((t) => existing.has(t)).map(async (t) => [t, await admin.fetchTopicOffsets(t)] as const),
      ),
    );
    const deadLetters = new Set<string>(this.topics.filter((t) => t.deadLetters === true).map((t) => t.name));
    const topics: TopicView[] = [...ends].map(([topic, offsets]) => ({
      topic,
      deadLetter: deadLetters.has(topic),
      partitions: offsets
        .map((o) => ({ partition: o.partition, start: Number(o.low), end: Number(o.high) }))
        .sort((a, b) => a.partition - b.partition),
    }));
    const panels: Panel[] = [{ id: 'kafka.topics', title: 'Topics', order: 0, view: { kind: 'topics', topics } }];
    if (groups.length === 0) return panels;

    const described = new Map(
      (await admin.describeGroups(groups.map((g) => g.id))).groups.map((d) => [d.groupId, d] as const),
    );
    for (const group of groups) {
      const d = described.get(group.id);
      const members: GroupMemberView[] = (d?.members ?? []).map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: assignmentOf(m.memberAssignment),
      }));
      const holder = new Map<string, string>();
      for (const m of members) {
        for (const [topic, partitions] of Object.entries(m.assignment)) {
          for (const p of partitions) holder.set(`${topic}/${p}`, m.memberId);
        }
      }
      const committed = await admin.fetchOffsets({
        groupId: group.id,
        topics: group.topics.filter((t) => ends.has(t)),
      });
      const partitions: GroupPartitionView[] = [];
      for (const { topic, partitions: offsets } of committed) {
        const at = new Map(offsets.map((o) => [o.partition, Number(o.offset)]));
        for (const p of topics.find((t) => t.topic === topic)?.partitions ?? []) {
          const c = at.get(p.partition) ?? -1;
          const commit = c >= 0 ? c : null;
          partitions.push({
            topic,
            partition: p.partition,
            committed: commit,
            end: p.end,
            lag: lagOf(commit, p.start, p.end),
            member: holder.get(`${topic}/${p.partition}`) ?? null,
          });
        }
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      panels.push({
        id: `kafka.group.${group.id}`,
        title: `Consumer group ${group.id}`,
        order: 10,
        view: {
          kind: 'group',
          group: group.id,
          brokerState: d?.state ?? 'Unknown',
          localState: this.groups.view(group.name).state,
          members,
          partitions,
          lag: partitions.reduce((n, p) => n + p.lag, 0),
        },
      });
    }
    return panels;
  }
}
