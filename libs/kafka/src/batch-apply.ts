/** What applying a batch needs from the consumer and the feature; kept apart from kafkajs so it can be tested alone. */
export interface BatchSteps<R> {
  /** Applies the records, in order, in one go (the feature's database transaction); throws if that failed. */
  apply(records: readonly R[]): Promise<void>;
  /** Marks every record up to and including `last` as processed (its offset is committed after). */
  done(last: R): void;
  /** Sets a record aside for good (dead letter) after `attempts` failed attempts; throws if it could not. */
  deadLetter(record: R, error: unknown, attempts: number): Promise<void>;
  /** Waits before attempt `attempt + 1`, keeping the group membership alive meanwhile. */
  backoff(attempt: number): Promise<void>;
  /** True once the partition was taken away or the consumer is stopping: what is left comes again. */
  stopped(): boolean;
  /** Attempts after the first, before a batch is narrowed down or a single record dead-lettered. */
  readonly retries: number;
  /** Told of every failed attempt (for the log). */
  failed?(error: unknown, records: readonly R[], attempt: number): void;
}

type Attempted = { readonly ok: true } | { readonly ok: false; readonly error: unknown; readonly stopped: boolean };

/** Applies `records` with retries and backoff; on success marks them done. */
async function withRetries<R>(records: readonly R[], steps: BatchSteps<R>): Promise<Attempted> {
  const attempts = steps.retries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      await steps.apply(records);
      steps.done(records[records.length - 1]);
      return { ok: true };
    } catch (error: unknown) {
      steps.failed?.(error, records, attempt);
      if (attempt >= attempts || steps.stopped()) return { ok: false, error, stopped: steps.stopped() };
      await steps.backoff(attempt);
      if (steps.stopped()) return { ok: false, error, stopped: true };
    }
  }
}

/** Halves a failing run until the record that fails is alone; everything else is applied once, in order. */
async function narrow<R>(records: readonly R[], steps: BatchSteps<R>): Promise<boolean> {
  const mid = Math.ceil(records.length / 2);
  for (const half of [records.slice(0, mid), records.slice(mid)]) {
    if (half.length === 0) continue;
    if (steps.stopped()) return false;
    if (half.length === 1) {
      const result = await withRetries(half, steps);
      if (result.ok) continue;
      if (result.stopped) return false;
      const record = half[0];
      await steps.deadLetter(record, result.error, steps.retries + 1);
      steps.done(record);
      continue;
    }
    try {
      await steps.apply(half);
      steps.done(half[half.length - 1]);
    } catch (error: unknown) {
      steps.failed?.(error, half, 1);
      if (!(await narrow(half, steps))) return false;
    }
  }
  return true;
}

/**
 * Applies one partition's records in order: the whole batch at once, retried with backoff; if it
 * keeps failing, halves of it, down to the one record that fails, which is retried on its own and
 * then dead-lettered. Every other record is applied exactly once (a failed attempt changes nothing,
 * since the feature applies in one transaction). Returns false if it stopped before the end.
 */
export async function applyInOrder<R>(records: readonly R[], steps: BatchSteps<R>): Promise<boolean> {
  if (records.length === 0) return !steps.stopped();
  const result = await withRetries(records, steps);
  if (result.ok) return true;
  if (result.stopped) return false;
  if (records.length === 1) {
    await steps.deadLetter(records[0], result.error, steps.retries + 1);
    steps.done(records[0]);
    return true;
  }
  return narrow(records, steps);
}
