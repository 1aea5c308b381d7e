import { createConnection } from 'node:net';

/** Why no broker accepts a connection (`host:port CODE; …`), or null when one does. */
export type BrokerProbe = (brokers: readonly string[]) => Promise<string | null>;

/** Replaces whyUnreachable where no real broker is (KafkaProducer's unit spec). */
export const BROKER_PROBE = Symbol('nurt.kafka.broker-probe');

/** No broker of the list accepted a TCP connection; the message says what each answered. */
export class BrokerUnreachableError extends Error {
  override readonly name = 'BrokerUnreachableError';

  constructor(reason: string) {
    super(`no broker accepts a connection (${reason})`);
  }
}

/**
 * Whether any of the brokers accepts a TCP connection within `timeoutMs`, and if none does, why:
 * a quick look before kafkajs' own connection retries (which take ~17 s to give up), so that an
 * app starts at once while the broker is away and says so, instead of waiting and then failing.
 */
export async function whyUnreachable(brokers: readonly string[], timeoutMs = 1000): Promise<string | null> {
  const attempts = brokers.map(
    (address) =>
      new Promise<string | null>((resolve) => {
        const at = address.lastIndexOf(':');
        const socket = createConnection({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
        const done = (why: string | null): void => {
          socket.destroy();
          resolve(why);
        };
        socket.setTimeout(timeoutMs, () => done(`${address} no answer in ${timeoutMs} ms`));
        socket.once('connect', () => done(null));
        socket.once('error', (err: NodeJS.ErrnoException) => done(`${address} ${err.code ?? err.message}`));
      }),
  );
  const answers = await Promise.all(attempts);
  return answers.some((why) => why === null) ? null : answers.join('; ');
}

/** Throws BrokerUnreachableError at once while no broker accepts a connection. */
export async function ensureReachable(brokers: readonly string[], probe: BrokerProbe = whyUnreachable): Promise<void> {
  const why = await probe(brokers);
  if (why !== null) throw new BrokerUnreachableError(why);
}

/**
 * Whether an error (or one of its causes) means no broker could be reached, as opposed to a
 * broker's answer: kafkajs' connection errors, or BrokerUnreachableError.
 */
export function isConnectionError(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (/^KafkaJS(Connection|BrokerNotFound|NumberOfRetriesExceeded)|^BrokerUnreachableError$/.test(e.name))
      return true;
    if (e.name.startsWith('Kafka') && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Connection timeout/.test(e.message)) {
      return true;
    }
  }
  return false;
}
