import { Logger } from '@nestjs/common';

export interface DrainLoopOptions {
  /** Names the log lines. */
  readonly name: string;
  /** The timer: how often a run starts without a kick. */
  readonly intervalMs: number;
  /**
   * One step of work committed to the database (publish a page of an outbox, judge a page of
   * pending transactions); resolves true when there is more to do right away.
   */
  readonly step: () => Promise<boolean>;
  /** Told of each failed run (a metric); the loop logs one line when failing starts and one when it ends. */
  readonly failed?: (error: unknown) => void;
  /** Called after each successful run (periodic housekeeping). */
  readonly idle?: () => Promise<void>;
  /** The log line when runs start failing, before the error (default: "failing, retrying every … ms"). */
  readonly failingLine?: string;
  /** The log line when a run succeeds again (default: "working again"). */
  readonly recoveredLine?: string;
}

/** How long shutdown waits for a run in progress; what it does not finish stays for the next start. */
const SHUTDOWN_WAIT_MS = 5000;

/**
 * Work committed to the database, drained by one loop: right after each commit (`kick`) and on a
 * timer, which retries what a failure left behind and picks up what a crashed process committed,
 * without waiting for the next change. A kick during a run is followed by one more run, so nothing
 * committed is left behind; runs never overlap. `start` and `stop` belong in Nest's lifecycle hooks.
 */
export class DrainLoop {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private active = false;
  private failing = false;

  constructor(private readonly options: DrainLoopOptions) {
    this.logger = new Logger(options.name);
  }

  start(): void {
    this.active = true;
    this.timer = setInterval(() => this.kick(), this.options.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Asks for a run now. */
  kick(): void {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runUntilIdle().finally(() => {
      this.running = null;
    });
  }

  /** Stops the timer and waits (a while) for the run in progress, before what it uses closes. */
  async stop(): Promise<void> {
    this.active = false;
    clearInterval(this.timer);
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private async runUntilIdle(): Promise<void> {
    do {
      this.again = false;
      await this.drain();
    } while (this.again && this.active);
  }

  private async drain(): Promise<void> {
    try {
      while ((await this.options.step()) && this.active);
      if (this.failing) this.logger.log(this.options.recoveredLine ?? 'working again');
      this.failing = false;
      await this.options.idle?.();
    } catch (err: unknown) {
      this.options.failed?.(err);
      // One line when the loop starts failing, not one per retry.
      if (!this.failing) {
        const line = this.options.failingLine ?? `failing (retrying every ${this.options.intervalMs} ms)`;
        this.logger.warn(`${line}: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.failing = true;
    }
  }
}
