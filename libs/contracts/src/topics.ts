/** Topic names. Declared once; every producer, consumer and the topic bootstrap use these. */
export const Topics = {
  Transactions: 'transactions',
  TransactionsDlq: 'transactions.dlq',
  FraudAlerts: 'fraud-alerts',
  Customers: 'customers',
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
}

export const TOPIC_SPECS: readonly TopicSpec[] = [
  {
    name: Topics.Transactions,
    partitions: 6,
    replicationFactor: 3,
    config: { 'retention.ms': String(7 * DAY_MS), 'cleanup.policy': 'delete' },
  },
  {
    // Dead letters are kept longer than their source so that an operator has time to replay them.
    name: Topics.TransactionsDlq,
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
];

export function topicSpec(name: TopicName): TopicSpec {
  const spec = TOPIC_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`No topic spec for ${name}`);
  return spec;
}
