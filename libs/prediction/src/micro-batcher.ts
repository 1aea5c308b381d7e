/**
 * Coalesces concurrent single-item calls into one call over many items. A tiny model costs about
 * the same per call whatever the batch size, so under load this turns N model calls into one.
 */
export interface MicroBatcherOptions<I, O> {
  /** A batch is started as soon as this many items are waiting. 1 turns batching off. */
  readonly maxBatchSize: number;
  /**
   * How long the first waiting item may wait for company. 0 flushes on the next turn of the event
   * loop (setImmediate): it adds no timer latency yet still gathers every request that arrived in
   * the same I/O poll.
   */
  readonly maxWaitMs: number;
  /** Must return one result per item, in order. May be synchronous. */
  readonly run: (items: readonly I[]) => readonly O[] | Promise<readonly O[]>;
  /** Called after every batch, for metrics. */
  readonly onBatch?: (size: number, seconds: number) => void;
}

export class MicroBatcherClosedError extends Error {
  override name = 'MicroBatcherClosedError';
  constructor() {
    super('the micro-batcher is shut down and takes no more work');
  }
}

interface Waiter<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (reason: unknown) => void;
}

export class MicroBatcher<I, O> {
  private queue: Waiter<I, O>[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: MicroBatcherOptions<I, O>) {
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) {
      throw new RangeError(`maxWaitMs must be ≥ 0, got ${options.maxWaitMs}`);
    }
  }

  /** Items waiting for a batch to start. */
  get pending(): number {
    return this.queue.length;
  }

  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new MicroBatcherClosedError());
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxBatchSize) this.flush();
      else this.schedule();
    });
  }

  /** Starts batches for everything waiting now, without waiting for the timer. */
  flush(): void {
    this.cancelTimer();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatchSize);
      const done = this.runBatch(batch);
      this.inFlight.add(done);
      void done.finally(() => this.inFlight.delete(done));
    }
  }

  /** Refuses new work, runs everything already submitted and resolves when the last batch has answered. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await Promise.all(this.inFlight);
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const fire = (): void => {
      this.timer = undefined;
      this.flush();
    };
    this.timer = this.options.maxWaitMs === 0 ? setImmediate(fire) : setTimeout(fire, this.options.maxWaitMs);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    if (this.options.maxWaitMs === 0) clearImmediate(this.timer as NodeJS.Immediate);
    else clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = undefined;
  }

  /** Never rejects: every outcome, including a throw from `run`, is delivered to the waiters. */
  private async runBatch(batch: readonly Waiter<I, O>[]): Promise<void> {
    const started = performance.now();
    try {
      const results = await this.options.run(batch.map((w) => w.item));
      if (results.length !== batch.length) {
        throw new Error(`batch function returned ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (error: unknown) {
      for (const w of batch) w.reject(error);
    } finally {
      this.options.onBatch?.(batch.length, (performance.now() - started) / 1000);
    }
  }
}
