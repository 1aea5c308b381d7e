/** One record of a batch as a projection receives it: the parsed value and where it came from. */
export interface ConsumedRecord<T> {
  readonly value: T;
  /** The record key as UTF-8 text; null when the record has none. */
  readonly key: string | null;
  readonly topic: string;
  readonly partition: number;
  /** 64-bit; kept as a decimal string. */
  readonly offset: string;
  /** The record's timestamp (CreateTime unless the topic says LogAppendTime). */
  readonly timestamp: Date;
  /** Header values as UTF-8 text (the first one when a header repeats). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What a projection's `@OnBatch` handler gets: records of one partition, in offset order, every one
 * valid by the topic's contract (the others were dead-lettered). The handler applies them in one
 * database transaction; it resolves once that transaction committed, and only then are their
 * offsets committed. If it throws, the batch is retried and then narrowed down to the record that
 * fails, so the handler may see a batch again, or part of it: applying must be idempotent per record.
 */
export interface RecordBatch<T> {
  /** The group as declared (without KAFKA_GROUP_SUFFIX). */
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord<T>[];
  /**
   * The partition's high watermark when the batch was fetched (the offset the next record written
   * will get): a batch whose last offset + 1 is below it was read while the partition held more.
   */
  readonly highWatermark: string;
}
