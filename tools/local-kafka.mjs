// The broker `npm start` and `npm run start:split` need: the cluster in KAFKA_BROKERS when it is
// set, otherwise the local single node from tools/kafka (started, or reused if it is running).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Returns false (after saying why) when the local broker could not be started. */
export function ensureKafka() {
  if (process.env.KAFKA_BROKERS) {
    console.log(`nurt: using the Kafka cluster at ${process.env.KAFKA_BROKERS}`);
    return true;
  }
  const kafka = spawnSync('bash', [join(root, 'tools/kafka/kafka.sh'), 'start'], { cwd: root, stdio: 'inherit' });
  if (kafka.status !== 0) {
    console.error('nurt: the local Kafka broker did not start (see above); set KAFKA_BROKERS to use another cluster');
    return false;
  }
  return true;
}
