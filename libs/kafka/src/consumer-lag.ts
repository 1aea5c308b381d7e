import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { METRICS_REGISTRY } from '@nurt/observability';
import { Gauge, type Registry } from 'prom-client';
import { brokerGroupId, type KafkaEnv } from './kafka.config.js';
import { KafkaAdmin } from './kafka-admin.js';
import { KAFKA_ENV } from './kafka.constants.js';

/** How far one partition of a topic is behind for one consumer group. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset: the next record it will read. Null before its first commit. */
  readonly committed: number | null;
  /** The partition's log-end offset: the offset the next record written will get. */
  readonly end: number;
  /** Records written that the group has not committed: end minus committed (or minus the log start before the first commit). */
  readonly lag: number;
}

export interface GroupLag {
  /** The sum over the group's partitions. */
  readonly total: number;
  readonly partitions: readonly PartitionLag[];
  /** When these offsets were read from the broker. */
  readonly at: string;
}

interface Watched {
  readonly brokerGroup: string;
  readonly topics: readonly string[];
}

/**
 * Records of a partition written but not committed by a group. Before its first commit a group
 * reads from the log start (auto.offset.reset=earliest), so it lags by the records still there.
 */
function lagOf(committed: number | null, start: number, end: number): number {
  return Math.max(0, end - (committed ?? start));
}

const LABELS = ['consumergroup', 'topic', 'partition'] as const;

/**
 * Consumer lag of the groups this process runs, read from the broker every KAFKA_LAG_INTERVAL_MS:
 * the group's committed offsets (what it has applied and committed) against each partition's
 * log-end offset. It covers every partition of the group, not only those this process holds,
 * so any one member shows the whole group's lag (in split mode, several members show the same).
 * Exported under kafka_exporter's metric names, so its Grafana dashboards read nurt as they are.
 */
@Injectable()
export class ConsumerLag implements BeforeApplicationShutdown {
  private readonly log = new Logger('ConsumerLag');
  private readonly watched = new Map<string, Watched>();
  private readonly latest = new Map<string, GroupLag>();
  private readonly committedOffset: Gauge<(typeof LABELS)[number]>;
  private readonly lag: Gauge<(typeof LABELS)[number]>;
  private readonly endOffset: Gauge<'topic' | 'partition'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private failing: string | null = null;

  constructor(
    private readonly admin: KafkaAdmin,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.committedOffset = new Gauge({
      name: 'kafka_consumergroup_current_offset',
      help: "A consumer group's committed offset per partition (the next record it will read).",
      labelNames: LABELS,
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'kafka_consumergroup_lag',
      help: 'Records of a partition written but not yet committed by a consumer group.',
      labelNames: LABELS,
      registers: [registry],
    });
    this.endOffset = new Gauge({
      name: 'kafka_topic_partition_current_offset',
      help: "A partition's log-end offset (the offset the next record written will get).",
      labelNames: ['topic', 'partition'],
      registers: [registry],
    });
  }

  /** Starts reading the lag of a group (its name in this process, without KAFKA_GROUP_SUFFIX) on these topics. */
  watch(group: string, topics: readonly string[]): void {
    this.watched.set(group, { brokerGroup: brokerGroupId(this.env, group), topics });
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.refresh(), this.env.KAFKA_LAG_INTERVAL_MS).unref();
      // The first read once every group started with this one has been added (same tick).
      setTimeout(() => void this.refresh(), 0).unref();
    }
  }

  /** The group's lag as last read, or null before the first read or while the broker cannot be read. */
  of(group: string): GroupLag | null {
    return this.latest.get(group) ?? null;
  }

  /** Reads every watched group's offsets now (a read already under way is joined, not repeated). */
  refresh(): Promise<void> {
    this.running ??= this.read().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Reads now, after any read under way (whose offsets may predate a change just made). */
  async readNow(): Promise<void> {
    await this.running;
    await this.refresh();
  }

  private async read(): Promise<void> {
    const at = new Date().toISOString();
    const groups = [...this.watched.entries()];
    try {
      const topics = [...new Set(groups.flatMap(([, w]) => w.topics))];
      const [ends, offsets] = await this.admin.use(async (admin) => [
        new Map(await Promise.all(topics.map(async (t) => [t, await admin.fetchTopicOffsets(t)] as const))),
        await Promise.all(groups.map(([, w]) => admin.fetchOffsets({ groupId: w.brokerGroup, topics: [...w.topics] }))),
      ]);
      const read = groups.map(([group, w], i) => {
        const committed = offsets[i] ?? [];
        const partitions: PartitionLag[] = [];
        for (const { topic, partitions: offsets } of committed) {
          const byPartition = new Map(offsets.map((o) => [o.partition, Number(o.offset)]));
          for (const p of ends.get(topic) ?? []) {
            const end = Number(p.high);
            const c = byPartition.get(p.partition) ?? -1;
            const committed = c >= 0 ? c : null;
            partitions.push({
              topic,
              partition: p.partition,
              committed,
              end,
              lag: lagOf(committed, Number(p.low), end),
            });
          }
        }
        partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
        return [group, w, partitions] as const;
      });
      // Every await is done: the gauges change in one synchronous step, so no scrape sees half of it.
      this.committedOffset.reset();
      this.lag.reset();
      this.endOffset.reset();
      for (const [topic, offsets] of ends) {
        for (const p of offsets) this.endOffset.set({ topic, partition: String(p.partition) }, Number(p.high));
      }
      for (const [group, w, partitions] of read) {
        for (const p of partitions) {
          const labels = { consumergroup: w.brokerGroup, topic: p.topic, partition: String(p.partition) };
          this.lag.set(labels, p.lag);
          if (p.committed !== null) this.committedOffset.set(labels, p.committed);
        }
        this.latest.set(group, { total: partitions.reduce((n, p) => n + p.lag, 0), partitions, at });
      }
      if (this.failing !== null) this.log.log('consumer lag readable again');
      this.failing = null;
    } catch (err: unknown) {
      // Unknown is shown as absent, not as the last value read: a stale lag of 0 would say all is well.
      this.committedOffset.reset();
      this.lag.reset();
      this.endOffset.reset();
      this.latest.clear();
      const message = err instanceof Error ? err.message : String(err);
      if (this.failing !== message) this.log.warn(`cannot read consumer lag: ${message}`);
      this.failing = message;
    }
  }

  /** Before the shared admin client closes (onApplicationShutdown): no read may be left using it. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
