import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { ConfigError, envOrigin, loadConfig, ToBoolean, ToList, ToNumber, type Env } from '@nurt/config';
import { Expose } from 'class-transformer';
import { ArrayNotEmpty, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { logLevel, type KafkaConfig, type SASLOptions } from './kafkajs.js';

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
const LOG_LEVELS = ['nothing', 'error', 'warn', 'info', 'debug'] as const;

/** Every KAFKA_* variable nurt reads. Clients and consumer groups are both built from this. */
export class KafkaEnv {
  @Expose()
  @ToList()
  @ArrayNotEmpty({ message: 'KAFKA_BROKERS must list at least one host:port' })
  @Matches(/^[^\s:,]+:\d{1,5}$/, { each: true, message: 'KAFKA_BROKERS must be a comma-separated list of host:port' })
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  @Expose()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'KAFKA_CLIENT_ID may contain only letters, digits, . _ -' })
  KAFKA_CLIENT_ID = 'nurt';

  /** TLS to the brokers. Alone it trusts the system's CAs; KAFKA_SSL_CA_FILE names another. */
  @Expose()
  @ToBoolean()
  @IsBoolean()
  KAFKA_SSL = false;

  /** A PEM file of the CA certificate(s) to trust for the brokers' TLS instead of the system's (with KAFKA_SSL=true). */
  @Expose()
  @IsOptional()
  @IsString()
  KAFKA_SSL_CA_FILE?: string;

  /** The certificates of KAFKA_SSL_CA_FILE, read by loadKafkaEnv (not a variable). */
  sslCa?: string[];

  @Expose()
  @IsOptional()
  @IsIn(SASL_MECHANISMS)
  KAFKA_SASL_MECHANISM?: (typeof SASL_MECHANISMS)[number];

  @Expose()
  @IsOptional()
  @IsString()
  KAFKA_SASL_USERNAME?: string;

  @Expose()
  @IsOptional()
  @IsString()
  KAFKA_SASL_PASSWORD?: string;

  @Expose()
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(120_000)
  KAFKA_CONNECTION_TIMEOUT_MS = 3000;

  /** How long a REST call waits for the broker's acknowledgement before answering 503. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(300_000)
  KAFKA_SEND_TIMEOUT_MS = 10_000;

  /**
   * The replication factor the declared topics must have (at most the declared 3): a topic is never
   * created with fewer (the bootstrap waits for the brokers), and an existing one with fewer is
   * raised by reassignment. Unset (one local broker): min(declared, brokers up).
   */
  @Expose()
  @IsOptional()
  @ToNumber()
  @IsInt()
  @Min(1)
  KAFKA_REPLICATION_FACTOR?: number;

  /** Create or update the declared topics at start-up. Off where an operator owns topic config. */
  @Expose()
  @ToBoolean()
  @IsBoolean()
  KAFKA_BOOTSTRAP_TOPICS = true;

  /**
   * Appended to every consumer group id this process joins (e.g. `-staging`), so that two
   * environments, or a test run, can share one cluster without sharing committed offsets.
   */
  @Expose()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]*$/, { message: 'KAFKA_GROUP_SUFFIX may contain only letters, digits, . _ -' })
  KAFKA_GROUP_SUFFIX = '';

  /** A consumer that sends no heartbeat for this long loses its partitions to the rest of its group. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(6000)
  @Max(300_000)
  KAFKA_SESSION_TIMEOUT_MS = 30_000;

  @Expose()
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(60_000)
  KAFKA_HEARTBEAT_INTERVAL_MS = 3000;

  /** The most a consumer fetches of one partition at once: the upper bound of a batch (about 200 bytes a transaction). */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  KAFKA_FETCH_MAX_BYTES_PER_PARTITION = 1024 * 1024;

  /** How many partitions' batches one process applies at a time per group; order within a partition is always kept. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(64)
  KAFKA_PARTITIONS_CONCURRENTLY = 1;

  /** How many times a failing batch (and then the one record that fails) is retried, with exponential backoff, before that record is dead-lettered. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(20)
  KAFKA_HANDLER_RETRIES = 3;

  /** Backoff before the first handler retry; doubles with each further attempt. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(60_000)
  KAFKA_HANDLER_BACKOFF_MS = 200;

  /** How often a process reads its consumer groups' committed offsets and the log-end offsets, for lag on /metrics and /health. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(500)
  @Max(300_000)
  KAFKA_LAG_INTERVAL_MS = 5000;

  @Expose()
  @IsIn(LOG_LEVELS)
  KAFKA_LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'warn';
}

/**
 * The local broker's address when KAFKA_BROKERS is not set but KAFKA_PORT (the port `tools/kafka`
 * starts it on) is: then the apps and the commands dial the broker `npm start` started.
 */
function localBroker(env: Env): string | undefined {
  if (env.KAFKA_BROKERS?.trim() || !env.KAFKA_PORT?.trim()) return undefined;
  return `127.0.0.1:${env.KAFKA_PORT.trim()}`;
}

/** Which brokers the Kafka config dials, and where that came from: for a message that cannot reach them. */
export function describeBrokers(env: Env = process.env): string {
  if (env.KAFKA_BROKERS?.trim()) return `${env.KAFKA_BROKERS.trim()} (${envOrigin('KAFKA_BROKERS')})`;
  const local = localBroker(env);
  if (local) return `${local} (${envOrigin('KAFKA_PORT')}, the local broker's port; KAFKA_BROKERS is not set)`;
  return '127.0.0.1:9092 (the default: neither KAFKA_BROKERS nor KAFKA_PORT is set)';
}

export function loadKafkaEnv(env: Env = process.env): KafkaEnv {
  const local = localBroker(env);
  const config = loadConfig(KafkaEnv, local ? { ...env, KAFKA_BROKERS: local } : env);
  if (config.KAFKA_SASL_MECHANISM && !(config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD)) {
    throw new ConfigError([
      `KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: both are required when KAFKA_SASL_MECHANISM is set (it is ${config.KAFKA_SASL_MECHANISM})`,
    ]);
  }
  if (config.KAFKA_SSL_CA_FILE) config.sslCa = readCaFile(config.KAFKA_SSL_CA_FILE, config.KAFKA_SSL);
  return config;
}

/** The PEM certificates of KAFKA_SSL_CA_FILE; a ConfigError naming it when it cannot be used. */
function readCaFile(file: string, ssl: boolean): string[] {
  if (!ssl) {
    throw new ConfigError([
      `KAFKA_SSL_CA_FILE: a CA to trust is set (${file}) but KAFKA_SSL is not true; set KAFKA_SSL=true to connect over TLS, or unset KAFKA_SSL_CA_FILE`,
    ]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new ConfigError([
      `KAFKA_SSL_CA_FILE: cannot read ${file} (${code}); it must name a PEM file of the CA to trust`,
    ]);
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const bad = pems.findIndex((pem) => {
    try {
      new X509Certificate(pem);
      return false;
    } catch {
      return true;
    }
  });
  if (pems.length === 0 || bad >= 0) {
    throw new ConfigError([
      `KAFKA_SSL_CA_FILE: ${file} holds no ${pems.length === 0 ? '' : 'valid '}PEM certificate (-----BEGIN CERTIFICATE-----); it must be the CA that signed the brokers' certificates`,
    ]);
  }
  return pems.map((pem) => `${pem}\n`);
}

/**
 * The group id as the broker knows it: the configured id plus KAFKA_GROUP_SUFFIX. Used to join the
 * group and written to dead letters, so a dead letter names the group an operator can look up.
 */
export function brokerGroupId(env: Pick<KafkaEnv, 'KAFKA_GROUP_SUFFIX'>, groupId: string): string {
  return `${groupId}${env.KAFKA_GROUP_SUFFIX}`;
}

export const KAFKAJS_LOG_LEVEL: Record<KafkaEnv['KAFKA_LOG_LEVEL'], logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** The one kafkajs client config, shared by producers, admin and every consumer-group server. */
export function kafkaClientConfig(env: KafkaEnv, clientIdSuffix?: string): KafkaConfig {
  let sasl: SASLOptions | undefined;
  if (env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD) {
    sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM,
      username: env.KAFKA_SASL_USERNAME,
      password: env.KAFKA_SASL_PASSWORD,
    };
  }
  return {
    brokers: env.KAFKA_BROKERS,
    clientId: clientIdSuffix ? `${env.KAFKA_CLIENT_ID}-${clientIdSuffix}` : env.KAFKA_CLIENT_ID,
    // kafkajs hands `ssl` to tls.connect: `true` trusts Node's CAs, `ca` replaces them.
    ssl: env.KAFKA_SSL && env.sslCa ? { ca: env.sslCa } : env.KAFKA_SSL,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: env.KAFKA_CONNECTION_TIMEOUT_MS,
    logLevel: KAFKAJS_LOG_LEVEL[env.KAFKA_LOG_LEVEL],
  };
}
