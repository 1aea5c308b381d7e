// What every lab shares: the Lab shape, a kafkajs client on the configured broker, unique names for
// one run's topics and groups, a cleanup scope (run on return, on failure and on Ctrl-C), tables.
import { kafkaClientConfig, loadKafkaEnv } from '@nurt/kafka';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, ConsumerConfig, Kafka, KafkaMessage } from 'kafkajs';
import { sleep, waitFor } from '../../test/support/wait.js';

export { sleep, waitFor };

export interface LabOptions {
  /** Where the lab prints what it explains, does and sees. */
  readonly log: (line: string) => void;
  /** The fast mode `npm test` runs: fewer records, shorter waits; the same claims. */
  readonly short: boolean;
}

export interface Lab<Evidence = unknown> {
  readonly name: string;
  /** One line for `npm run lab`. */
  readonly summary: string;
  /** Explains, does, prints the evidence, cleans up; returns the evidence for tests to assert. */
  run(options: LabOptions): Promise<Evidence>;
}

/** What every lab's evidence ends with: the topics and groups it created (and deleted). */
export interface Cleaned {
  readonly topics: readonly string[];
  readonly groups: readonly string[];
}

/** The broker list the labs dial: KAFKA_BROKERS (or the local broker's KAFKA_PORT), as every command does. */
export function labBrokers(): string[] {
  return loadKafkaEnv().KAFKA_BROKERS;
}

/** A plain kafkajs client on the configured broker; quiet unless KAFKA_LOG_LEVEL asks otherwise. */
export function labKafka(clientId: string): Kafka {
  const config = kafkaClientConfig(loadKafkaEnv(), clientId);
  return new kafkajs.Kafka({
    ...config,
    logLevel: process.env.KAFKA_LOG_LEVEL ? config.logLevel : kafkajs.logLevel.NOTHING,
  });
}

/** `lab-<lab>-<run>`: a prefix no other run (nor another engineer's test) on the same broker shares. */
export function runPrefix(lab: string): string {
  return `lab-${lab}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

const openScopes = new Set<LabScope>();

/**
 * One run's cleanup: what it started (consumers, processes) is stopped and what it created (topics,
 * groups) is deleted, last in first out, once, whether the lab ends, fails or is interrupted.
 */
export class LabScope {
  private readonly steps: { what: string; undo: () => Promise<unknown> }[] = [];
  private closing?: Promise<void>;
  readonly topics: string[] = [];
  readonly groups: string[] = [];
  readonly admin: Admin;

  constructor(
    readonly kafka: Kafka,
    private readonly log: (line: string) => void,
  ) {
    this.admin = kafka.admin();
    openScopes.add(this);
  }

  async connect(): Promise<void> {
    this.defer('admin client', () => this.admin.disconnect());
    await this.admin.connect();
    // Registered after the admin, so it runs before the admin disconnects.
    this.defer('topics and groups', () => this.deleteCreated());
  }

  defer(what: string, undo: () => Promise<unknown>): void {
    this.steps.push({ what, undo });
  }

  /** Creates a topic of this run and remembers to delete it. */
  async createTopic(
    topic: string,
    numPartitions: number,
    configEntries: { name: string; value: string }[] = [],
  ): Promise<void> {
    this.topics.push(topic);
    await this.admin.createTopics({ topics: [{ topic, numPartitions, configEntries }], waitForLeaders: true });
  }

  /** Remembers a group of this run (joined by another process) for deletion. */
  group(groupId: string): string {
    if (!this.groups.includes(groupId)) this.groups.push(groupId);
    return groupId;
  }

  /** A consumer in a group of this run (remembered for deletion), disconnected on cleanup. */
  consumer(config: ConsumerConfig): Consumer {
    this.group(config.groupId);
    const consumer = this.kafka.consumer({ maxWaitTimeInMs: 200, ...config });
    this.defer(`consumer of ${config.groupId}`, () => consumer.disconnect());
    return consumer;
  }

  private async deleteCreated(): Promise<void> {
    const failures: string[] = [];
    if (this.groups.length > 0) {
      // A group is deleted only once empty: a member killed a moment ago stays in it until its
      // session times out, so a non-empty group is retried for a while.
      const deadline = Date.now() + 15_000;
      for (;;) {
        const problem = await this.deleteGroups();
        if (!problem) break;
        if (problem.retriable && Date.now() < deadline) await sleep(500);
        else {
          failures.push(`groups: ${problem.message}`);
          break;
        }
      }
    }
    if (this.topics.length > 0) {
      try {
        await this.admin.deleteTopics({ topics: [...this.topics] });
      } catch (err: unknown) {
        failures.push(`topics: ${(err as Error).message}`);
      }
    }
    const what = [
      this.topics.length ? `topics ${this.topics.join(', ')}` : '',
      this.groups.length ? `groups ${this.groups.join(', ')}` : '',
    ].filter(Boolean);
    if (failures.length > 0) this.log(`cleanup: could not delete everything: ${failures.join('; ')}`);
    else if (what.length > 0) this.log(`cleanup: deleted ${what.join(' and ')}`);
  }

  private async deleteGroups(): Promise<{ message: string; retriable: boolean } | undefined> {
    try {
      await this.admin.deleteGroups([...this.groups]);
      return undefined;
    } catch (err: unknown) {
      // 69 GROUP_ID_NOT_FOUND: a group that never committed may be gone already. 68 NON_EMPTY_GROUP.
      const groups = (err as { groups?: { groupId: string; errorCode: number }[] }).groups ?? [];
      const real = groups.filter((g) => g.errorCode !== 69 && g.errorCode !== 0);
      if (groups.length > 0 && real.length === 0) return undefined;
      const message = err instanceof Error ? err.message : String(err);
      return { message, retriable: real.length > 0 && real.every((g) => g.errorCode === 68) };
    }
  }

  /** Runs the cleanup steps once (a second call waits for the first). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.undo();
        } catch (err: unknown) {
          this.log(`cleanup: ${step.what}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      openScopes.delete(this);
    })();
    return this.closing;
  }

  cleaned(): Cleaned {
    return { topics: [...this.topics], groups: [...this.groups] };
  }
}

/** Opens a scope for one run: connects its admin; the caller closes it in `finally`. */
export async function openScope(clientId: string, log: (line: string) => void): Promise<LabScope> {
  const scope = new LabScope(labKafka(clientId), log);
  try {
    await scope.connect();
  } catch (err: unknown) {
    await scope.close();
    throw err;
  }
  return scope;
}

/** Ctrl-C: clean up every run still open. */
export async function closeAllScopes(): Promise<void> {
  await Promise.all([...openScopes].map((scope) => scope.close()));
}

/**
 * Ctrl-C (or SIGTERM) for a lab command: deletes what the run created and stops what it started,
 * then exits 130; a second one exits at once. Returns whether it has been interrupted.
 */
export function cleanUpOnInterrupt(): () => boolean {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stdout.write(`\n${signal}: cleaning up (again to exit at once)\n`);
    void closeAllScopes().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => interrupted;
}

/** A record as the labs read it back. */
export interface SeenRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
}

export function seen(partition: number, message: KafkaMessage): SeenRecord {
  return {
    partition,
    offset: Number(message.offset),
    key: message.key ? message.key.toString() : null,
    value: message.value ? message.value.toString() : '',
  };
}

/** Waits until `consumer` has joined its group and fetched once (its positions are then resolved). */
export function joinedAndFetching(consumer: Consumer): Promise<number[]> {
  return new Promise((resolve) => {
    let partitions: number[] | undefined;
    const offJoin = consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      partitions = Object.values(payload.memberAssignment).flat();
    });
    const offFetch = consumer.on(consumer.events.FETCH, () => {
      if (!partitions) return;
      offJoin();
      offFetch();
      resolve(partitions);
    });
  });
}

/** A fixed-width table: the header, a rule, the rows. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const cells = [headers, ...rows].map((row) => row.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)];
}

/** Prints a step heading and its explanation. */
export function explain(log: (line: string) => void, heading: string, ...lines: string[]): void {
  log('');
  log(`== ${heading}`);
  for (const line of lines) log(`   ${line}`);
}
