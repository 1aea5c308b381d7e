import { Inject, Injectable } from '@nestjs/common';
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
import { ConsumerLag } from './consumer-lag.js';
import { KafkaAdmin } from './kafka-admin.js';
import { brokerGroupId, type KafkaEnv } from './kafka.config.js';
import { KAFKA_ENV, KAFKA_TOPICS } from './kafka.constants.js';
import { AssignerProtocol } from './kafkajs.js';

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
export class KafkaPanels implements PanelSource {
  constructor(
    private readonly admin: KafkaAdmin,
    private readonly lag: ConsumerLag,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
    @Inject(KAFKA_TOPICS) private readonly topics: readonly TopicSpec[],
    private readonly groups: ConsumerGroups,
  ) {}

  async panels(): Promise<Panel[]> {
    const groups = this.groups.names().map((name) => ({ name, id: brokerGroupId(this.env, name) }));
    // The groups' committed offsets and lag: read now by ConsumerLag (a read under way is joined),
    // which also refreshes /metrics; the rest from the broker here.
    const [[ends, described]] = await Promise.all([
      this.admin.use(async (admin) => {
        const existing = new Set(await admin.listTopics());
        const names = this.topics.map((t) => t.name).filter((t) => existing.has(t));
        return [
          new Map(await Promise.all(names.map(async (t) => [t, await admin.fetchTopicOffsets(t)] as const))),
          groups.length === 0 ? [] : (await admin.describeGroups(groups.map((g) => g.id))).groups,
        ] as const;
      }),
      this.lag.refresh(),
    ]);
    const deadLetters = new Set<string>(this.topics.filter((t) => t.deadLetters === true).map((t) => t.name));
    const topics: TopicView[] = [...ends].map(([topic, offsets]) => ({
      topic,
      deadLetter: deadLetters.has(topic),
      partitions: offsets
        .map((o) => ({ partition: o.partition, start: Number(o.low), end: Number(o.high) }))
        .sort((a, b) => a.partition - b.partition),
    }));
    const panels: Panel[] = [{ id: 'kafka.topics', title: 'Topics', order: 0, view: { kind: 'topics', topics } }];
    const byId = new Map(described.map((d) => [d.groupId, d] as const));
    for (const group of groups) {
      const d = byId.get(group.id);
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
      const lag = this.lag.of(group.name);
      if (lag === null) throw new Error(`the lag of ${group.id} cannot be read (see the log)`);
      const partitions: GroupPartitionView[] = lag.partitions.map((p) => ({
        ...p,
        member: holder.get(`${p.topic}/${p.partition}`) ?? null,
      }));
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
          lag: lag.total,
        },
      });
    }
    return panels;
  }
}
