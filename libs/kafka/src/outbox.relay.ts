import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DrainLoop } from './drain-loop.js';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KafkaProducer, ProduceRecord } from './kafka-producer.service.js';

/** A feature's outbox table, as the relay sees it. */
export interface OutboxSource {
  /**
   * Hands the oldest unpublished records (at most `limit`) to `publish` and marks them published
   * once it resolved; returns how many went out, or null when another relay holds the outbox. If
   * `publish` throws, nothing is marked and the same records come back next time.
   */
  publishPending(
    limit: number,
    publish: (records: readonly ProduceRecord<unknown>[]) => Promise<void>,
  ): Promise<number | null>;
  /** How many records wait (a gauge on /metrics). */
  pendingCount(): Promise<number>;
  /** Deletes records published long enough ago, where the table is only an outbox; called every few minutes. */
  prunePublished?(): Promise<void>;
}

export interface OutboxRelayOptions {
  /** Names the metrics (`<name>_outbox_published_total`, …) and the log lines. */
  readonly name: string;
  readonly intervalMs: number;
  readonly batch: number;
  readonly registry: Registry;
  /** Set (to what says so, e.g. `CUSTOMERS_OUTBOX_RELAY=off`) when no relay may run in this process. */
  readonly off?: string;
}

const PRUNE_EVERY_MS = 10 * 60 * 1000;

/**
 * The one outbox loop: a change is committed to a table together with the state it describes, then
 * this publishes it and marks it, in a DrainLoop: right after each commit (`kick`) and on a timer,
 * which retries what a failed send left behind and picks up whatever a crashed process committed
 * but never sent, without waiting for the next change. Delivery is at-least-once: a crash between send
 * and mark sends again, so records carry a stable id or key their consumers de-duplicate by.
 * A feature provides one per outbox table (a factory provider); Nest starts and stops it.
 */
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private readonly loop: DrainLoop;
  private lastPrune = Date.now();
  private readonly published: Counter;
  private readonly failures: Counter;

  constructor(
    private readonly source: OutboxSource,
    private readonly producer: KafkaProducer,
    private readonly options: OutboxRelayOptions,
  ) {
    this.logger = new Logger(`outbox ${options.name}`);
    this.published = new Counter({
      name: `${options.name}_outbox_published_total`,
      help: `Records of the ${options.name} outbox published to Kafka.`,
      registers: [options.registry],
    });
    this.failures = new Counter({
      name: `${options.name}_outbox_failures_total`,
      help: `Runs of the ${options.name} outbox relay that could not publish (the records stay and are retried).`,
      registers: [options.registry],
    });
    new Gauge({
      name: `${options.name}_outbox_pending`,
      help: `Records of the ${options.name} outbox committed but not yet published.`,
      registers: [options.registry],
      collect: async function (this: Gauge) {
        this.set(await source.pendingCount());
      },
    });
    this.loop = new DrainLoop({
      name: `outbox ${options.name}`,
      intervalMs: options.intervalMs,
      step: () => this.publishPage(),
      failed: () => this.failures.inc(),
      idle: () => this.prune(),
      failingLine: `cannot publish (kept in the outbox, retrying every ${options.intervalMs} ms)`,
      recoveredLine: 'publishing again',
    });
  }

  onApplicationBootstrap(): void {
    if (this.options.off !== undefined) {
      this.logger.warn(`${this.options.off}: records stay in the outbox until a relay runs`);
      return;
    }
    this.loop.start();
  }

  /** Asks for a run now; a run already in progress is followed by one more, so nothing committed is left behind. */
  kick(): void {
    this.loop.kick();
  }

  /** Stops the timer and waits (a while) for the run in progress, before the producer and the database close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One page of the outbox out; true when a full page went (there may be more). */
  private async publishPage(): Promise<boolean> {
    const sent = await this.source.publishPending(this.options.batch, async (records) => {
      await this.producer.sendBatch(records);
    });
    if (sent !== null) this.published.inc(sent);
    return sent !== null && sent >= this.options.batch;
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune <= PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await this.source.prunePublished?.();
  }
}
