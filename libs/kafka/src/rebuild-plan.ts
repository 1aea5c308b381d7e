/** Where a rebuild replays from: the start of the log, or the first record at or after a time. */
export type RebuildFrom = 'earliest' | Date;

/** One partition as the broker reports it when a rebuild is planned. */
export interface PartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** The log start: records below it were deleted (retention, or deleteRecords). */
  readonly low: number;
  /** The log end: the offset the next record will get. */
  readonly high: number;
  /** With a time: the first offset whose record is at or after it (the log end when none is). */
  readonly atTime?: number;
}

export interface ReplayedPartition {
  readonly topic: string;
  readonly partition: number;
  /** The offset the group is rewound to. */
  readonly from: number;
  /** The log end when the rebuild started: the rebuild is done once the group committed it. */
  readonly to: number;
}

export type RebuildPlan =
  | { readonly ok: true; readonly partitions: readonly ReplayedPartition[]; readonly records: number }
  | { readonly ok: false; readonly reason: string };

/**
 * What a rebuild replays, or why it must not: where the log no longer holds records the view was
 * built from (the view would lose them for good), it refuses unless forced. From a time, a
 * partition whose first kept record is at or after that time may have lost records after it.
 */
export function planRebuild(
  group: string,
  from: RebuildFrom,
  partitions: readonly PartitionOffsets[],
  force: boolean,
): RebuildPlan {
  const replayed = partitions.map((p) => ({
    topic: p.topic,
    partition: p.partition,
    from: from === 'earliest' ? p.low : (p.atTime ?? p.low),
    to: p.high,
  }));
  // From a time, the rewind lands on the log start exactly when no kept record is older than it:
  // then deleted records may be at or after that time. Earliest needs every record ever written.
  const gone = partitions.filter((p) => p.low > 0 && (from === 'earliest' || (p.atTime ?? p.low) <= p.low));
  if (gone.length > 0 && !force) {
    const where = gone.map((p) => `${p.topic}/${p.partition} starts at offset ${p.low}`).join(', ');
    const since = from === 'earliest' ? 'the start of the log' : from.toISOString();
    return {
      ok: false,
      reason:
        `cannot rebuild ${group} from ${since}: ${where}; the records before were deleted (retention), ` +
        'so the rebuilt view would lack them. Rebuild from a later time (--from <ISO time>), or force it (--force) ' +
        'to rebuild from what the log still holds.',
    };
  }
  return { ok: true, partitions: replayed, records: replayed.reduce((n, p) => n + Math.max(0, p.to - p.from), 0) };
}
