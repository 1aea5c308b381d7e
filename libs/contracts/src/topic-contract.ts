import type { TopicName } from './topics.js';
import type { Parsed } from './validation.js';

/** What a consumer knows of a record besides its value: what a contract may read to parse it. */
export interface RecordEnvelope {
  /** The record key as UTF-8 text; null when the record has none. */
  readonly key: string | null;
  /** Header values as UTF-8 text (the first one when a header repeats). */
  readonly headers: Readonly<Record<string, string>>;
  /** The record's timestamp (CreateTime unless the topic says LogAppendTime). */
  readonly timestamp: Date;
}

/**
 * How a topic's records are read: the topic, where a record that cannot be read goes, and the
 * parser that turns one record's JSON value (null for a tombstone) into the typed event, or into
 * the list of what is wrong with it. The Kafka runtime decodes the JSON once and hands it here; it
 * knows no event itself.
 */
export interface TopicContract<T> {
  readonly topic: TopicName;
  readonly deadLetterTopic: TopicName;
  /** Must not throw: whatever the input, it answers with the value or the errors. */
  parse(value: unknown, envelope: RecordEnvelope): Parsed<T>;
}
