import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigError } from '@nurt/config';
import type { TopicSpec } from '@nurt/contracts';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from './kafkajs.js';
import { KAFKA_CLIENT, KAFKA_ENV } from './kafka.constants.js';
import { kafkaClientConfig, type KafkaEnv } from './kafka.config.js';
import { securityProblem, whyUnreachable, whyUntrusted } from './reachability.js';

/** How often an app that started without Kafka looks for it again. */
const RETRY_MS = 2000;

/** What one bootstrap run did to each topic; also logged, so an operator sees drift being fixed. */
export interface TopicChange {
  readonly topic: string;
  readonly action: 'created' | 'partitions-added' | 'replication-raised' | 'config-updated' | 'unchanged';
  readonly detail?: string;
}

/**
 * Fewer brokers are up than the replication factor the topics must have (KAFKA_REPLICATION_FACTOR):
 * a topic is not created below it. An app starting so waits (and says so) until they are.
 */
export class ReplicationShortfall extends Error {}

/** How long a bootstrap waits for the reassignment that raises a topic's replication factor. */
const REASSIGNMENT_WAIT_MS = 30_000;

/**
 * Makes the cluster match the declared topics: creates missing ones, adds partitions, and keeps
 * their topic-level configs (retention, cleanup policy) in sync. Safe to run on every start and
 * from several processes at once.
 */
@Injectable()
export class TopicBootstrap implements OnApplicationShutdown {
  private readonly logger = new Logger(TopicBootstrap.name);
  private declared = false;
  private markDeclared: () => void = () => undefined;
  private readonly whenDeclared = new Promise<void>((resolve) => (this.markDeclared = resolve));
  private waiting: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
  ) {}

  /**
   * The start-up step (KafkaModule, during app.init()). With a broker answering, the topics are
   * made to match now and a failure fails the start. With none, the app starts without Kafka (its
   * /health says so, REST that needs no broker serves) and this keeps trying in the background;
   * consumer groups join once it answers and the topics are declared (`ready`). Where the app
   * declares no topics (KAFKA_BOOTSTRAP_TOPICS=false), the groups still wait for the broker.
   * A broker that refuses this client (an untrusted certificate, a wrong password) fails the start
   * with a ConfigError naming the setting (KAFKA_SSL_CA_FILE, KAFKA_SASL_PASSWORD).
   */
  async start(declared: readonly TopicSpec[]): Promise<void> {
    const specs = this.env.KAFKA_BOOTSTRAP_TOPICS ? declared : [];
    if ((await whyUnreachable(this.env.KAFKA_BROKERS)) === null) {
      await this.checkAccess();
      try {
        if (specs.length > 0) await this.ensure(specs);
      } catch (err: unknown) {
        const refused = securityProblem(err, this.env);
        if (refused !== null) throw new ConfigError([refused]);
        if (!(err instanceof ReplicationShortfall)) throw err;
        this.logger.warn(`${err.message}: starting without them (/health says Kafka is not ready); trying again`);
        return this.retry(specs, err.message);
      }
      return this.done();
    }
    this.logger.warn(
      `Kafka is not reachable at ${this.env.KAFKA_BROKERS.join(',')}: starting without it (/health says so); ` +
        'topics are declared and consumer groups join once it answers',
    );
    this.retry(specs, null);
  }

  /** Whether the broker answered and the topics are declared (or not this app's to declare): consumer groups can join. */
  isReady(): boolean {
    return this.declared;
  }

  /** Resolves once `isReady()`. */
  ready(): Promise<void> {
    return this.whenDeclared;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.waiting);
  }

  private done(): void {
    this.declared = true;
    this.markDeclared();
  }

  private retry(specs: readonly TopicSpec[], lastError: string | null): void {
    if (this.stopped) return;
    this.waiting = setTimeout(() => {
      void (async () => {
        if ((await whyUnreachable(this.env.KAFKA_BROKERS)) !== null) return this.retry(specs, lastError);
        try {
          if (specs.length > 0) await this.ensure(specs, 1);
          this.logger.log('Kafka answers: topics declared, consumer groups joining');
          this.done();
        } catch (err: unknown) {
          const message = securityProblem(err, this.env) ?? (err instanceof Error ? err.message : String(err));
          if (message !== lastError) this.logger.warn(`topic bootstrap: ${message}; trying again`);
          this.retry(specs, message);
        }
      })();
    }, RETRY_MS);
    this.waiting.unref();
  }

  /**
   * Retries retriable broker errors: when several processes start at once on a fresh cluster, one
   * may see a topic another has just created before its partitions have leaders everywhere.
   */
  async ensure(specs: readonly TopicSpec[], attempts = 6): Promise<TopicChange[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ensureOnce(specs);
      } catch (err: unknown) {
        if (attempt >= attempts || (err as { retriable?: boolean }).retriable !== true) throw err;
        const delay = 250 * 2 ** (attempt - 1);
        this.logger.warn(`topic bootstrap: ${(err as Error).message}; retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * The certificate and the login, checked before anything else (also where there is nothing to
   * declare): a refusal is a ConfigError naming the setting. The login goes through a client of
   * its own that logs nothing and does not retry, so that the one line is all a refusal prints.
   */
  private async checkAccess(): Promise<void> {
    const untrusted = await whyUntrusted(this.env.KAFKA_BROKERS, this.env);
    if (untrusted !== null) throw new ConfigError([untrusted]);
    if (!this.env.KAFKA_SASL_MECHANISM) return;
    const admin = new Kafka({
      ...kafkaClientConfig(this.env, 'login-check'),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
    } catch (err: unknown) {
      const refused = securityProblem(err, this.env);
      // Anything else (a broker restarting) is left to the bootstrap's own retries.
      if (refused !== null) throw new ConfigError([refused]);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async ensureOnce(specs: readonly TopicSpec[]): Promise<TopicChange[]> {
    if (specs.length === 0) return [];
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { brokers } = await admin.describeCluster();
      const existing = new Set(await admin.listTopics());
      const changes: TopicChange[] = [];
      const ids = brokers.map((b) => b.nodeId);
      const missing = specs.filter((s) => !existing.has(s.name));
      if (missing.length > 0) changes.push(...(await this.create(admin, missing, ids)));
      const present = specs.filter((s) => existing.has(s.name));
      if (present.length > 0) changes.push(...(await this.reconcile(admin, present, ids)));
      for (const c of changes) {
        if (c.action !== 'unchanged')
          this.logger.log(`topic ${c.topic}: ${c.action}${c.detail ? ` (${c.detail})` : ''}`);
      }
      return changes;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * The replication factor a topic must have. With KAFKA_REPLICATION_FACTOR set (as a cluster's
   * deployment does), that (at most the declared one), whatever number of brokers is up right now.
   * Unset (one local broker), the declared one, or as many brokers as there are if fewer.
   */
  private replicationFactor(spec: TopicSpec, brokerCount: number): number {
    const required = this.env.KAFKA_REPLICATION_FACTOR;
    return required === undefined
      ? Math.min(spec.replicationFactor, brokerCount)
      : Math.min(spec.replicationFactor, required);
  }

  private async create(admin: Admin, specs: readonly TopicSpec[], brokers: readonly number[]): Promise<TopicChange[]> {
    const brokerCount = brokers.length;
    const changes: TopicChange[] = [];
    for (const spec of specs) {
      const replicationFactor = this.replicationFactor(spec, brokerCount);
      if (replicationFactor > brokerCount) {
        throw new ReplicationShortfall(
          `topic ${spec.name} needs replication factor ${replicationFactor} (KAFKA_REPLICATION_FACTOR) and only ` +
            `${brokerCount} broker${brokerCount === 1 ? ' is' : 's are'} up: it is not created with fewer`,
        );
      }
      const below =
        replicationFactor < spec.replicationFactor
          ? `; declared ${spec.replicationFactor}, ${brokerCount} broker${brokerCount === 1 ? '' : 's'} up: set KAFKA_REPLICATION_FACTOR to require it`
          : '';
      // createTopics answers false when another process created the topic first; the
      // reconcile pass below then treats it as existing.
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: spec.name,
            numPartitions: spec.partitions,
            replicationFactor,
            configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      if (created) {
        changes.push({
          topic: spec.name,
          action: 'created',
          detail: `${spec.partitions} partitions, replication ${replicationFactor}${below}`,
        });
      } else {
        changes.push(...(await this.reconcile(admin, [spec], brokers)));
      }
    }
    return changes;
  }

  private async reconcile(
    admin: Admin,
    specs: readonly TopicSpec[],
    brokers: readonly number[],
  ): Promise<TopicChange[]> {
    const changes: TopicChange[] = [];
    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    const raised = await this.raiseReplication(admin, specs, metadata.topics, brokers);
    changes.push(...raised);
    const grow = specs.flatMap((spec) => {
      const current = metadata.topics.find((t) => t.name === spec.name)?.partitions.length ?? 0;
      if (current > spec.partitions) {
        this.logger.warn(
          `topic ${spec.name} has ${current} partitions, more than the ${spec.partitions} declared; Kafka cannot remove partitions`,
        );
      }
      return current < spec.partitions ? [{ topic: spec.name, count: spec.partitions, from: current }] : [];
    });
    if (grow.length > 0) {
      await admin.createPartitions({ topicPartitions: grow.map(({ topic, count }) => ({ topic, count })) });
      changes.push(
        ...grow.map((g) => ({
          topic: g.topic,
          action: 'partitions-added' as const,
          detail: `${g.from} -> ${g.count}`,
        })),
      );
    }

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: specs.map((s) => ({
        type: ConfigResourceTypes.TOPIC,
        name: s.name,
        configNames: Object.keys(s.config),
      })),
    });
    for (const spec of specs) {
      const entries = described.resources.find((r) => r.resourceName === spec.name)?.configEntries ?? [];
      const drift = Object.entries(spec.config).filter(
        ([name, value]) => entries.find((e) => e.configName === name)?.configValue !== value,
      );
      if (drift.length === 0) {
        if (!grow.some((g) => g.topic === spec.name) && !raised.some((r) => r.topic === spec.name)) {
          changes.push({ topic: spec.name, action: 'unchanged' });
        }
        continue;
      }
      // AlterConfigs replaces the topic's whole override set, so send every declared entry, not only the drifted ones.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: spec.name,
            configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      changes.push({
        topic: spec.name,
        action: 'config-updated',
        detail: drift.map(([n, v]) => `${n}=${v}`).join(', '),
      });
    }
    return changes;
  }
  /**
   * Raises the replication factor of existing topics that have fewer replicas than they must
   * (created while brokers were missing, or by hand), by a partition reassignment: each partition
   * keeps its replicas (its leader first) and gets the least used live brokers added. Waits a while
   * for the copies to catch up. Where too few brokers are up it says so and leaves the topic.
   */
  private async raiseReplication(
    admin: Admin,
    specs: readonly TopicSpec[],
    topics: readonly { name: string; partitions: readonly { partitionId: number; replicas: number[] }[] }[],
    brokers: readonly number[],
  ): Promise<TopicChange[]> {
    const changes: TopicChange[] = [];
    for (const spec of specs) {
      const topic = topics.find((t) => t.name === spec.name);
      if (!topic || topic.partitions.length === 0) continue;
      const target = this.replicationFactor(spec, brokers.length);
      const current = Math.min(...topic.partitions.map((p) => p.replicas.length));
      if (current >= target) continue;
      if (brokers.length < target) {
        this.logger.warn(
          `topic ${spec.name} has replication factor ${current}, below ${target}; ${brokers.length} broker${brokers.length === 1 ? ' is' : 's are'} up: raised at the next start with enough brokers`,
        );
        continue;
      }
      const load = new Map<number, number>(brokers.map((b) => [b, 0]));
      for (const p of topic.partitions) for (const r of p.replicas) load.set(r, (load.get(r) ?? 0) + 1);
      const partitionAssignment = [...topic.partitions]
        .sort((a, b) => a.partitionId - b.partitionId)
        .map((p) => {
          const replicas = [...p.replicas];
          while (replicas.length < target) {
            const next = [...brokers]
              .filter((b) => !replicas.includes(b))
              .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a - b)[0];
            if (next === undefined) break;
            replicas.push(next);
            load.set(next, (load.get(next) ?? 0) + 1);
          }
          return { partition: p.partitionId, replicas };
        });
      await admin.alterPartitionReassignments({ topics: [{ topic: spec.name, partitionAssignment }] });
      const done = await this.reassigned(admin, spec.name);
      changes.push({
        topic: spec.name,
        action: 'replication-raised',
        detail: `${current} -> ${target}${done ? '' : ' (copies still catching up)'}`,
      });
    }
    return changes;
  }

  /** Whether the topic's reassignment finished within REASSIGNMENT_WAIT_MS. */
  private async reassigned(admin: Admin, topic: string): Promise<boolean> {
    const until = Date.now() + REASSIGNMENT_WAIT_MS;
    for (;;) {
      const ongoing = await admin.listPartitionReassignments({});
      if (!ongoing.topics.some((t) => t.topic === topic)) return true;
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
