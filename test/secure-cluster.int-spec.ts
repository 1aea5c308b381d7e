import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Topics } from '@nurt/contracts';
import { kafkaClientConfig, loadKafkaEnv } from '@nurt/kafka';
import kafkajs from 'kafkajs';
import { reporting } from '../apps/services/reporting.js';
import { kafkaSh, kafkaShOrThrow } from '../tools/drills/cluster.js';
import { freeClusterBasePort } from './support/net.js';
import { makeTransactions, runStores, startServiceApp } from './support/pipeline.js';
import { connectAttempt, readEnvFile, runPipeline, scramOf } from './support/secure.js';
import { runId } from './support/wait.js';

/**
 * The secured three-node cluster (`kafka.sh cluster-start --secure`: SASL/SCRAM-SHA-512 over TLS
 * for clients and between brokers, controllers over mutual TLS). The suite starts its own, in a
 * fresh state folder on free ports (so certificates, passwords and SCRAM users are made for it), and
 * stops and deletes it afterwards. nurt is configured from the nurt.env the start writes, Kafka's
 * own tools from its client.properties.
 */
const home = mkdtempSync(join(tmpdir(), 'nurt-secure-cluster-'));
const stateDir = join(home, 'cluster-secure');
const run = runId();
const stores = runStores(run, 4);
const N = 60;
const txs = makeTransactions(run, N, stores, 10);

describe('secured cluster: three nodes, SASL/SCRAM-SHA-512 over TLS (kafka.sh cluster-start --secure)', () => {
  let shEnv: Record<string, string>;
  let base: number;
  let secure: Record<string, string>;
  let app: NestFastifyApplication | undefined;
  let url: string;

  beforeAll(async () => {
    base = await freeClusterBasePort();
    shEnv = { NURT_KAFKA_HOME: home, KAFKA_SECURE_CLUSTER_BASE_PORT: String(base) };
    const t0 = Date.now();
    const out = await kafkaShOrThrow(['cluster-start', '--secure'], shEnv);
    process.stdout.write(`secure cluster started in ${Date.now() - t0} ms\n`);
    // The start prints where it wrote the client files.
    expect(out).toContain(join(stateDir, 'client.properties'));
    expect(out).toContain(join(stateDir, 'nurt.env'));
    secure = readEnvFile(join(stateDir, 'nurt.env'));
    ({ app, url } = await startServiceApp({
      name: `secure-cluster-${run}`,
      services: [reporting],
      groupSuffix: `-secure-cluster-${run}`,
      // A new cluster: the group reads its topics from the beginning.
      keepOffsets: true,
      env: secure,
    }));
  }, 150_000);

  afterAll(async () => {
    await app?.close();
    if (shEnv) {
      const t0 = Date.now();
      await kafkaSh(['cluster-stop', '--secure'], shEnv);
      process.stdout.write(`secure cluster stopped in ${Date.now() - t0} ms\n`);
    }
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('writes nurt.env listing all three brokers, with TLS, the generated CA and SCRAM-SHA-512', () => {
    expect(secure).toMatchObject({
      KAFKA_BROKERS: [base, base + 100, base + 200].map((p) => `127.0.0.1:${p}`).join(','),
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: join(stateDir, 'tls/ca.crt'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'nurt',
    });
    expect(secure.KAFKA_SASL_PASSWORD?.length).toBeGreaterThanOrEqual(24);
  });

  it('runs the pipeline through it: produced with nurt.env, applied by the reporting group', async () => {
    expect(await runPipeline(secure, url, txs, stores, 'secure-cluster-test')).toBe(N);
  });

  it('keeps the topics as the plain cluster does: three replicas, two of them in sync for a write', async () => {
    const admin = new kafkajs.Kafka(kafkaClientConfig(loadKafkaEnv(secure), 'secure-cluster-test')).admin();
    await admin.connect();
    try {
      const [meta] = (await admin.fetchTopicMetadata({ topics: [Topics.Transactions] })).topics;
      expect(meta?.partitions.length).toBeGreaterThan(0);
      for (const p of meta?.partitions ?? []) {
        expect(p.replicas).toHaveLength(3);
        expect(p.isr).toHaveLength(3);
      }
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: Topics.Transactions }],
      });
      const minIsr = resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas');
      expect(minIsr?.configValue).toBe('2');
    } finally {
      await admin.disconnect();
    }
  });

  it("is accepted by Kafka's own tools with client.properties (--command-config)", async () => {
    const out = await kafkaShOrThrow(
      [
        'tool',
        'topics',
        '--bootstrap-server',
        secure.KAFKA_BROKERS ?? '',
        '--command-config',
        join(stateDir, 'client.properties'),
        '--describe',
        '--topic',
        Topics.Transactions,
      ],
      shEnv,
    );
    expect(out).toMatch(/ReplicationFactor: 3\b/);
    expect(out).toContain('min.insync.replicas=2');
  });

  it('refuses the same client without credentials, and a plaintext one, on every broker', async () => {
    const ca = readFileSync(secure.KAFKA_SSL_CA_FILE ?? '', 'utf8');
    // The same client with the credentials gets in: what refuses the others is what they lack.
    const sasl = scramOf(secure);
    for (const broker of (secure.KAFKA_BROKERS ?? '').split(',')) {
      expect(await connectAttempt(broker, { ca: [ca] }, sasl)).toBe('accepted');
      expect(await connectAttempt(broker, { ca: [ca] })).toMatch(/^refused/);
      expect(await connectAttempt(broker, false)).toMatch(/^refused/);
    }
  });

  it('refuses a wrong password on every broker', async () => {
    // (What an app prints for it, one line naming KAFKA_SASL_PASSWORD, is the same code as on the
    // single secured broker: secure-broker.int-spec.ts starts an app with a wrong password.)
    const ca = readFileSync(secure.KAFKA_SSL_CA_FILE ?? '', 'utf8');
    const wrong = scramOf(secure, 'not-the-password');
    for (const broker of (secure.KAFKA_BROKERS ?? '').split(',')) {
      expect(await connectAttempt(broker, { ca: [ca] }, wrong)).toMatch(/^refused: .*(SASL|[Aa]uthentication)/);
    }
  });
});
