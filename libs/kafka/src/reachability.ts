import { createConnection, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

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

/** Node's codes for a certificate chain it does not trust, or a certificate for another name. */
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const UNTRUSTED_MESSAGE =
  /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate has expired|Hostname\/IP does not match/i;
const SASL_FAILED = /SASL .*authentication failed|Authentication failed .*invalid credentials/i;

/** The broker refused this client's TLS or SASL; the message is the line naming the setting. */
export class KafkaRefusedError extends Error {
  override readonly name = 'KafkaRefusedError';
}

/** What the security settings need to name in a refusal: whose login, which CA. */
export interface SecuritySettings {
  readonly KAFKA_SSL: boolean;
  readonly KAFKA_SSL_CA_FILE?: string;
  readonly KAFKA_SASL_MECHANISM?: string;
  readonly KAFKA_SASL_USERNAME?: string;
  readonly sslCa?: readonly string[];
}

function untrustedLine(env: SecuritySettings, why: string): string {
  const ca = env.KAFKA_SSL_CA_FILE
    ? `it is not signed by the CA in KAFKA_SSL_CA_FILE (${env.KAFKA_SSL_CA_FILE})`
    : 'KAFKA_SSL_CA_FILE is not set, so only the system CAs are trusted';
  return `KAFKA_SSL_CA_FILE: the broker's TLS certificate is not trusted (${why}): ${ca}; set KAFKA_SSL_CA_FILE to the PEM of the CA that signed the brokers' certificates`;
}

/**
 * When the broker refused this client's TLS or SASL (an untrusted certificate, a wrong password),
 * one line naming the setting to fix; null for any other error. Checked before isConnectionError:
 * kafkajs reports a certificate it does not trust as a connection error.
 */
export function securityProblem(err: unknown, env: SecuritySettings): string | null {
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 10; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  const saslLine = (e: Error): string =>
    `KAFKA_SASL_PASSWORD: the broker refused the ${env.KAFKA_SASL_MECHANISM ?? 'SASL'} login of user ` +
    `"${env.KAFKA_SASL_USERNAME ?? ''}" (${e.message}); check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`;
  // The error itself first (a wrapper's message may quote it), then, innermost first, by message.
  for (const e of chain) {
    if (e instanceof KafkaRefusedError) return e.message;
    if (e.name === 'KafkaJSSASLAuthenticationError') return saslLine(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNTRUSTED_CODES.has(code)) {
      return untrustedLine(env, e.message.replace(/^Connection error: /, ''));
    }
  }
  for (const e of chain.reverse()) {
    if (SASL_FAILED.test(e.message)) return saslLine(e);
    if (UNTRUSTED_MESSAGE.test(e.message)) return untrustedLine(env, e.message.replace(/^Connection error: /, ''));
  }
  return null;
}

/**
 * With KAFKA_SSL, a TLS handshake with each broker that accepts a connection, verifying its
 * certificate as kafkajs will (KAFKA_SSL_CA_FILE, or the system CAs): the line naming
 * KAFKA_SSL_CA_FILE when one is not trusted, else null. Milliseconds, where kafkajs would retry
 * the failing handshake for ~17 s before giving up.
 */
export async function whyUntrusted(
  brokers: readonly string[],
  env: SecuritySettings,
  timeoutMs = 3000,
): Promise<string | null> {
  if (!env.KAFKA_SSL) return null;
  const answers = await Promise.all(
    brokers.map(
      (address) =>
        new Promise<string | null>((resolve) => {
          const at = address.lastIndexOf(':');
          const host = address.slice(0, at);
          const socket = tlsConnect({
            host,
            port: Number(address.slice(at + 1)),
            ...(isIP(host) ? {} : { servername: host }),
            ...(env.sslCa ? { ca: [...env.sslCa] } : {}),
          });
          const done = (why: string | null): void => {
            socket.destroy();
            resolve(why);
          };
          socket.setTimeout(timeoutMs, () => done(null));
          socket.once('secureConnect', () => done(null));
          // Anything but a certificate problem (refused, reset) is for whyUnreachable to report.
          socket.once('error', (err: NodeJS.ErrnoException) =>
            done(securityProblem(err, env) === null ? null : untrustedLine(env, err.message)),
          );
        }),
    ),
  );
  return answers.find((why) => why !== null) ?? null;
}
