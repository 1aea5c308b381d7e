// Integration suites need a real broker and the built apps (some tests run `node dist/...` as a
// user would). Reuse the broker named by KAFKA_BROKERS or one already on 127.0.0.1:9092; else
// start the local one from tools/kafka. Plain JS: Jest loads global setup outside its ESM transform.
import { execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { buildIfStale } from '../../tools/build-if-stale.mjs';

const root = resolve(import.meta.dirname, '../..');

function canConnect(host, port, timeoutMs = 1000) {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export default async function globalSetup() {
  const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  process.env.KAFKA_BROKERS = brokers;
  const [host = '127.0.0.1', port = '9092'] = (brokers.split(',')[0] ?? '').split(':');
  if (!(await canConnect(host, Number(port)))) {
    if (brokers !== '127.0.0.1:9092') throw new Error(`No Kafka broker answers at KAFKA_BROKERS=${brokers}`);
    execFileSync('bash', [resolve(root, 'tools/kafka/kafka.sh'), 'start'], { stdio: 'inherit' });
  }
  buildIfStale();
}
