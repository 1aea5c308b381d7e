// Reads a topic's records between given offsets, as any consumer would see them after the drill:
// a consumer group of its own, positioned at the start offsets before it first joins.
import type { Admin, Kafka } from 'kafkajs';
import type { LogRecord, Range } from './verify.js';

export interface ReadBackOptions {
  readonly topic: string;
  readonly groupId: string;
  readonly ranges: ReadonlyMap<number, Range>;
  /** Give up when no record arrives for this long before every range is read. */
  readonly idleTimeoutMs?: number;
}

/**
 * Resolves with every record in the ranges, however the read ended: a range left unread shows
 * in the records (verifyRun reports it), it is not an error here.
 */
export async function readBack(kafka: Kafka, options: ReadBackOptions): Promise<LogRecord[]> {
  const { topic, groupId, ranges } = options;
  const pending = new Set([...ranges].filter(([, r]) => r.end > r.start).map(([p]) => p));
  if (pending.size === 0) return [];
  // Committed before the group exists: no seek racing the first fetch after a join.
  await withAdminOf(kafka, (admin) =>
    admin.setOffsets({
      groupId,
      topic,
      partitions: [...ranges].map(([partition, r]) => ({ partition, offset: r.start.toString() })),
    }),
  );

  const records: LogRecord[] = [];
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let idle: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(idle);
    idle = setTimeout(finish, options.idleTimeoutMs ?? 30_000);
  };
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    touch();
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        const range = ranges.get(batch.partition);
        if (!range) return Promise.resolve();
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < range.start || offset >= range.end) continue;
          records.push({ partition: batch.partition, offset, ...parseTransaction(message.value) });
          if (offset === range.end - 1n) pending.delete(batch.partition);
        }
        touch();
        if (pending.size === 0) finish();
        return Promise.resolve();
      },
    });
    await finished;
  } finally {
    clearTimeout(idle);
    await consumer.disconnect().catch(() => undefined);
    await withAdminOf(kafka, (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  }
  return dedupe(records);
}

/** A batch fetched twice around a rebalance is delivered twice; a position holds one record. */
function dedupe(records: readonly LogRecord[]): LogRecord[] {
  const seen = new Map<string, LogRecord>();
  for (const r of records) seen.set(`${r.partition}@${r.offset}`, r);
  return [...seen.values()];
}

function parseTransaction(value: Buffer | null): Pick<LogRecord, 'id' | 'transaction'> {
  if (!value) return { id: null };
  try {
    const parsed = JSON.parse(value.toString()) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return { id: null };
    const { id, store, customerId, amount } = parsed as Record<string, unknown>;
    if (typeof id !== 'string') return { id: null };
    if (typeof store !== 'string' || typeof amount !== 'number') return { id };
    return { id, transaction: { store, amount, ...(typeof customerId === 'string' ? { customerId } : {}) } };
  } catch {
    return { id: null };
  }
}

/** A fresh admin of `kafka` per question (the drills kill brokers; a connected admin sticks to one). */
async function withAdminOf<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
