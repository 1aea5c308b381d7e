/**
 * Consumer-group ids, used by Kafka as written here (plus KAFKA_GROUP_SUFFIX, empty by default).
 * Each is a projection declared in its feature's `<feature>.projection.ts`.
 */
export const ConsumerGroups = {
  AntiFraud: 'anti-fraud',
  Reporting: 'reporting',
  Recommendation: 'recommendation',
} as const;
export type ConsumerGroupId = (typeof ConsumerGroups)[keyof typeof ConsumerGroups];
