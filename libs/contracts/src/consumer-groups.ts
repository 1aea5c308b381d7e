/** Consumer-group ids, used by Kafka exactly as written here (no suffix). */
export const ConsumerGroups = {
  AntiFraud: 'anti-fraud',
  Reporting: 'reporting',
  Recommendation: 'recommendation',
} as const;
export type ConsumerGroupId = (typeof ConsumerGroups)[keyof typeof ConsumerGroups];

/**
 * The Nest transport id of a consumer group. One process can host several Kafka servers (one
 * per group); `@EventPattern(topic, groupTransport(id))` binds a handler to one of them only.
 * Symbol.for keeps the id equal across module instances.
 */
export function groupTransport(groupId: string): symbol {
  return Symbol.for(`nurt.kafka.group:${groupId}`);
}

export const GroupTransports = {
  AntiFraud: groupTransport(ConsumerGroups.AntiFraud),
  Reporting: groupTransport(ConsumerGroups.Reporting),
  Recommendation: groupTransport(ConsumerGroups.Recommendation),
} as const;
