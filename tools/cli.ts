// What every command of the repository (npm run produce, consume, dlq:replay, rebuild, the benches)
// does first and last: read the repository's .env as `npm start` does, and end on one readable
// line when it fails, naming the Kafka address it tried and where that came from.
import { join, resolve } from 'node:path';
import { loadDotEnv } from '@nurt/config';
import {
  describeBrokers,
  ensureReachable,
  isConnectionError,
  loadKafkaEnv,
  securityProblem,
  type KafkaEnv,
} from '@nurt/kafka';

export const repoRoot = resolve(import.meta.dirname, '..');

/** Loads the repository's .env (the environment wins). Call before reading any configuration. */
export function loadRepoEnv(): void {
  loadDotEnv(join(repoRoot, '.env'));
}

/** One line for a failure: what was tried, and why it failed; no stack trace. */
export function failureLine(command: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // A refused certificate or password, naming the setting (before isConnectionError: kafkajs calls
  // an untrusted certificate a connection error).
  const refused = securityProblem(err, kafkaEnvOrDefaults());
  if (refused !== null) return `${command}: ${refused}`;
  if (isConnectionError(err)) return `${command}: cannot reach Kafka at ${describeBrokers()}: ${message}`;
  return `${command}: failed: ${message}`;
}

function kafkaEnvOrDefaults(): Pick<
  KafkaEnv,
  'KAFKA_SSL' | 'KAFKA_SSL_CA_FILE' | 'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME'
> {
  try {
    return loadKafkaEnv();
  } catch {
    return { KAFKA_SSL: process.env.KAFKA_SSL === 'true' };
  }
}

/**
 * The Kafka settings of a command that needs a broker, once one accepts a connection: a command
 * aimed at the wrong address ends at once on its one line, not after kafkajs' retries (~25 s).
 */
export async function reachableKafkaEnv(): Promise<KafkaEnv> {
  const env = loadKafkaEnv();
  await ensureReachable(env.KAFKA_BROKERS);
  return env;
}

/** Runs part of a command; a failure is one line on stderr and exit 1. */
export async function orExit<T>(command: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err: unknown) {
    process.stderr.write(`${failureLine(command, err)}\n`);
    process.exit(1);
  }
}

/** Runs a command's body and exits with its code; a failure is one line on stderr and exit 1. */
export async function runCommand(command: string, main: () => Promise<number | void>): Promise<never> {
  const code = await orExit(command, main);
  process.exit(code ?? 0);
}
