import type { TopicContract } from '@nurt/contracts';
import type { KafkaMessage } from './kafkajs.js';
import { decodeRecord, type Decoded } from './projection.server.js';

/** How many decoded records wait for the other groups at most; past that the oldest go (and are decoded again if asked). */
const MAX_WAITING = 50_000;

interface Entry {
  readonly contract: TopicContract<unknown>;
  readonly timestamp: string;
  readonly decoded: Decoded<unknown>;
  left: number;
}

/**
 * Decodes a record once per process rather than once per group: the monolith's three groups read
 * the same `transactions` records with the same contract, and validation is most of what a record
 * costs before it reaches a feature. The first group to read a record decodes it and leaves the
 * result for the others, which take it and drop it once all have. A record is immutable at its
 * offset, so sharing is safe; anything not found (evicted, read again after a rebalance) is simply
 * decoded again. Groups only ever read what is shared; nothing here mutates a record.
 */
export class SharedDecoder {
  private readonly entries = new Map<string, Entry>();

  /** `readers`: per contract, how many groups in this process read its topic with it. */
  constructor(private readonly readers: ReadonlyMap<TopicContract<unknown>, number>) {}

  decode<T>(topic: string, partition: number, message: KafkaMessage, contract: TopicContract<T>): Decoded<T> {
    const readers = this.readers.get(contract) ?? 1;
    if (readers <= 1) return decodeRecord(topic, partition, message, contract);
    const key = `${topic}/${partition}/${message.offset}`;
    const entry = this.entries.get(key);
    if (entry && entry.contract === contract && entry.timestamp === message.timestamp) {
      if (--entry.left <= 0) this.entries.delete(key);
      return entry.decoded as Decoded<T>;
    }
    const decoded = decodeRecord(topic, partition, message, contract);
    this.entries.set(key, {
      contract: contract,
      timestamp: message.timestamp,
      decoded,
      left: readers - 1,
    });
    if (this.entries.size > MAX_WAITING) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return decoded;
  }
}
