import { createConnection } from 'node:net';
import type { Admin } from './kafkajs.js';

export type BrokerProbe = (brokers: readonly string[]) => Promise<boolean>;

/** Replaces anyBrokerReachable where no real broker is (KafkaProducer's unit spec). */
export const BROKER_PROBE = Symbol('nurt.kafka.broker-probe');

/**
 * Whether any of the brokers accepts a TCP connection, within `timeoutMs`: a quick look before
 * kafkajs' own connection retries (which take ~17 s to give up), so that an app starts at once
 * while the broker is away and says so, instead of waiting and then failing.
 */
export async function anyBrokerReachable(brokers: readonly string[], timeoutMs = 1000): Promise<boolean> {
  const attempts = brokers.map(
    (address) =>
      new Promise<boolean>((resolve) => {
        const at = address.lastIndexOf(':');
        const socket = createConnection({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
        const done = (ok: boolean): void => {
          socket.destroy();
          resolve(ok);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once('connect', () => done(true));
        socket.once('error', () => done(false));
      }),
  );
  return (await Promise.all(attempts)).some(Boolean);
}

/**
 * Connects an admin client, or fails at once with one plain message while no broker accepts a
 * connection: health checks, lag reads and the dashboard then neither wait out kafkajs' retries
 * nor log each of its attempts.
 */
export async function connectAdmin(admin: Admin, brokers: readonly string[]): Promise<void> {
  if (!(await anyBrokerReachable(brokers))) {
    throw new Error(`no broker accepts a connection at ${brokers.join(',')}`);
  }
  await admin.connect();
}
