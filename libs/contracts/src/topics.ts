/** Topic names. Declared once; every producer, consumer and the topic bootstrap use these. */
export const Topics = {
  Transactions: 'transactions',
  TransactionsDlq: 'transactions.dlq',
  FraudAlerts: 'fraud-alerts',
  Customers: 'customers',
  CustomersDlq: 'customers.dlq',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TopicSpec {
  readonly name: TopicName;
  readonly partitions: number;
  /** Wanted replication factor; the bootstrap caps it at the number of brokers in the cluster. */
  readonly replicationFactor: number;
  /** Topic-level configs the bootstrap creates and keeps in sync (retention.ms, cleanup.policy, …). */
  readonly config: Readonly<Record<string, string>>;
  /** It holds the records some consumer group could not apply (dead letters), not events of its own. */
  readonly deadLetters?: boolean;
}

export const TOPIC_SPECS: readonly TopicSpec[] = [
  {
    name: Topics.Transactions,
    partitions: 6,
    replicationFactor: 3,
    // Kafka deletes whole segments once their newest record is past retention; a segment rolled
    // daily bounds how long a record can outlive its 7 days (see redeliverableForMs).
    config: { 'retention.ms': String(7 * DAY_MS), 'segment.ms': String(DAY_MS), 'cleanup.policy': 'delete' },
  },
  {
    // Dead letters are kept longer than their source so that an operator has time to replay them.
    name: Topics.TransactionsDlq,
    deadLetters: true,
    partitions: 1,
    replicationFactor: 3,
    config: { 'retention.ms': String(30 * DAY_MS), 'cleanup.policy': 'delete' },
  },
  {
    name: Topics.FraudAlerts,
    partitions: 3,
    replicationFactor: 3,
    config: { 'retention.ms': String(30 * DAY_MS), 'cleanup.policy': 'delete' },
  },
  {
    // Compacted: the latest state per customer id stays forever, a tombstone removes it.
    name: Topics.Customers,
    partitions: 3,
    replicationFactor: 3,
    config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0', 'delete.retention.ms': String(DAY_MS) },
  },
  {
    // One dead-letter topic per source rather than a shared one: a customers dead letter is a
    // customer's personal data (name, e-mail) keyed by customer id, replayed to a compacted topic,
    // while transactions.dlq holds payments keyed by store. Kept apart, each has one payload schema
    // for whoever replays it, and its own ACLs and retention. Not compacted: every failure is kept,
    // not only the latest per customer.
    name: Topics.CustomersDlq,
    deadLetters: true,
    partitions: 1,
    replicationFactor: 3,
    config: { 'retention.ms': String(30 * DAY_MS), 'cleanup.policy': 'delete' },
  },
];

export function topicSpec(name: TopicName): TopicSpec {
  const spec = TOPIC_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`No topic spec for ${name}`);
  return spec;
}

/**
 * How long after it was written a record of a `delete` topic may still be delivered (a group reset
 * to the earliest offset replays it): its retention, plus up to one segment that holds records
 * past retention until it rolls, plus a day for the broker's retention check to run. Consumers
 * keep what they need to recognise a redelivery (the ids they applied) at least this long.
 */
export function redeliverableForMs(spec: TopicSpec): number {
  const retention = Number(spec.config['retention.ms']);
  const segment = Number(spec.config['segment.ms'] ?? 7 * DAY_MS);
  if (!(retention > 0)) throw new Error(`${spec.name} has no finite retention.ms`);
  return retention + segment + DAY_MS;
}
