// One consumer of the consumer-groups-rebalancing lab, run as its own process so that the lab can
// crash it for real (kill -9). Reports on stdout, one JSON object a line: its assignment after each
// rebalance and every record it reads. SIGTERM/SIGINT or the lab closing stdin: leaves the group and exits.
import kafkajs from 'kafkajs';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`group-member: ${name} is not set`);
  return value;
};

const member = env('LAB_MEMBER');
const topic = env('LAB_TOPIC');
const report = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ member, at: Date.now(), ...event })}\n`);
};

const kafka = new kafkajs.Kafka({
  clientId: `${env('LAB_GROUP')}-${member}`,
  brokers: env('LAB_BROKERS').split(','),
  logLevel: kafkajs.logLevel.NOTHING,
});
const consumer = kafka.consumer({
  groupId: env('LAB_GROUP'),
  sessionTimeout: Number(env('LAB_SESSION_TIMEOUT_MS')),
  heartbeatInterval: 500,
  maxWaitTimeInMs: 200,
});

let leaving = false;
const leave = (): void => {
  if (leaving) return;
  leaving = true;
  consumer
    .disconnect()
    .catch(() => undefined)
    .finally(() => process.exit(0));
};
process.on('SIGTERM', leave);
process.on('SIGINT', leave);
process.stdin.on('end', leave).resume();

consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
  report({ event: 'assigned', partitions: payload.memberAssignment[topic] ?? [], memberId: payload.memberId });
});
consumer.on(consumer.events.REBALANCING, () => report({ event: 'rebalancing' }));

await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  eachMessage: ({ partition, message }) => {
    report({ event: 'read', partition, offset: Number(message.offset), value: message.value?.toString() ?? '' });
    return Promise.resolve();
  },
});
report({ event: 'started', pid: process.pid });
