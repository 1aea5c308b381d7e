import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DatabaseEnv } from './database.config.js';
import { DATABASE, DATABASE_ENV } from './database.constants.js';
import type { Database } from './database.js';

/** Rows of `table` whose `column` (a timestamptz) is older than `keepMs` are deleted on a schedule. */
export interface RetentionRule {
  /** Schema-qualified, e.g. `reporting.applied_events`. */
  readonly table: string;
  readonly column: string;
  readonly keepMs: number;
  /** A boolean column that must be true for a row to go (rows still waiting for work stay). */
  readonly onlyIf?: string;
}

const QUALIFIED = /^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** Rows deleted per statement, so that pruning a large backlog never holds a long lock. */
const CHUNK = 5000;

/**
 * Keeps tables that grow with every event (applied ids, event history) bounded: every rule
 * registered here runs at start-up and then every DATABASE_PRUNE_INTERVAL_MS.
 */
@Injectable()
export class RetentionSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionSchedule.name);
  private readonly rules = new Map<string, RetentionRule>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | null = null;

  private readonly intervalMs: number;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(DATABASE_ENV) env: DatabaseEnv,
  ) {
    this.intervalMs = env.DATABASE_PRUNE_INTERVAL_MS;
  }

  register(rule: RetentionRule): void {
    if (!QUALIFIED.test(rule.table) || !IDENTIFIER.test(rule.column) || !IDENTIFIER.test(rule.onlyIf ?? 'x')) {
      throw new Error(`Invalid retention rule ${rule.table}.${rule.column}`);
    }
    if (!(rule.keepMs > 0)) throw new Error(`Retention of ${rule.table} must be positive, got ${rule.keepMs}`);
    this.rules.set(`${rule.table}.${rule.column}`, rule);
  }

  onApplicationBootstrap(): void {
    if (this.rules.size === 0) return;
    const run = (): void => {
      this.running ??= this.pruneNow()
        .catch((err: unknown) => this.logger.warn(`pruning failed (next try in ${this.intervalMs} ms): ${String(err)}`))
        .finally(() => (this.running = null));
    };
    this.timer = setInterval(run, this.intervalMs);
    this.timer.unref();
    run();
  }

  /** Deletes what every rule says is past its time; returns the rows deleted per table. */
  async pruneNow(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const rule of this.rules.values()) {
      let total = 0;
      for (;;) {
        const rows = await this.db.query<{ n: string }>(
          `WITH gone AS (
             DELETE FROM ${rule.table} WHERE ctid IN (
               SELECT ctid FROM ${rule.table} WHERE ${rule.column} < now() - make_interval(secs => $1)
               ${rule.onlyIf ? `AND ${rule.onlyIf}` : ''} LIMIT ${CHUNK}
             ) RETURNING 1)
           SELECT count(*) AS n FROM gone`,
          [rule.keepMs / 1000],
        );
        const n = Number(rows[0]?.n ?? 0);
        total += n;
        if (n < CHUNK) break;
      }
      deleted[rule.table] = (deleted[rule.table] ?? 0) + total;
      if (total > 0) this.logger.log(`pruned ${total} rows of ${rule.table} older than ${rule.keepMs / 3_600_000} h`);
    }
    return deleted;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
