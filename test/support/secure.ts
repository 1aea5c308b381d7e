// What the suites of the secured broker and the secured cluster share: the env file the start
// writes, the pipeline run through it, and a connection attempt with or without credentials.
import { readFileSync } from 'node:fs';
import { Topics, type Transaction } from '@nurt/contracts';
import { KafkaProducer, loadKafkaEnv } from '@nurt/kafka';
import type { SalesReportDto } from '@nurt/reporting';
import kafkajs from 'kafkajs';
import { getJson } from './pipeline.js';
import { waitFor } from './wait.js';

/** The KEY=value lines of an env file. */
export function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1] ?? ''] = m[2] ?? '';
  }
  return env;
}

/** The SCRAM login nurt.env names (with another password, to be refused). */
export function scramOf(
  secure: Record<string, string>,
  password = secure.KAFKA_SASL_PASSWORD ?? '',
): kafkajs.SASLOptions {
  return { mechanism: 'scram-sha-512', username: secure.KAFKA_SASL_USERNAME ?? '', password };
}

/**
 * Produces `txs` with nurt's producer configured from `secure` (nurt.env), and waits until the
 * reporting app at `url` has applied all of them: the number it applied.
 */
export async function runPipeline(
  secure: Record<string, string>,
  url: string,
  txs: readonly Transaction[],
  stores: readonly string[],
  clientId: string,
): Promise<number> {
  const producer = KafkaProducer.standalone(loadKafkaEnv(secure), clientId);
  try {
    await producer.sendBatch(txs.map((tx) => ({ topic: Topics.Transactions, key: tx.store, value: tx })));
  } finally {
    await producer.onApplicationShutdown();
  }
  const count = async (): Promise<number> => {
    const report = await getJson<SalesReportDto>(`${url}/reports/sales?window=total&limit=5000`);
    return report.groups.filter((g) => stores.includes(g.store)).reduce((n, g) => n + g.count, 0);
  };
  await waitFor('reporting to apply every transaction', async () => (await count()) === txs.length, 30_000);
  return count();
}

/** Connects an admin client to `broker` as told and asks for the cluster: 'accepted', or 'refused: <why>'. */
export async function connectAttempt(
  broker: string,
  ssl: kafkajs.KafkaConfig['ssl'],
  sasl?: kafkajs.SASLOptions,
): Promise<string> {
  const admin = new kafkajs.Kafka({
    clientId: 'nurt-secure-test',
    brokers: [broker],
    ssl,
    ...(sasl ? { sasl } : {}),
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return 'accepted';
  } catch (err: unknown) {
    return `refused: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await admin.disconnect();
  }
}
