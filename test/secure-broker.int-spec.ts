import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Topics } from '@nurt/contracts';
import { reporting } from '../apps/services/reporting.js';
import { kafkaSh, kafkaShOrThrow } from '../tools/drills/cluster.js';
import { freePort } from './support/net.js';
import { makeTransactions, runStores, startServiceApp } from './support/pipeline.js';
import { connectAttempt, readEnvFile, runPipeline, scramOf } from './support/secure.js';
import { repoRoot, startBuiltApp } from './support/process.js';
import { runId } from './support/wait.js';

/**
 * The secured local broker (`kafka.sh start --secure`: SASL/SCRAM-SHA-512 over TLS only, on
 * 127.0.0.1:9094), its own broker beside the plain one the other suites share. The suite starts it
 * when it is not running and stops it afterwards only then. nurt is configured from the nurt.env the
 * start writes, Kafka's own tools from its client.properties.
 */
const stateDir = join(process.env.NURT_KAFKA_HOME ?? join(repoRoot, '.kafka'), 'secure');
const run = runId();
const stores = runStores(run, 4);
const N = 60;
const txs = makeTransactions(run, N, stores, 10);

describe('secured broker: SASL/SCRAM-SHA-512 over TLS (kafka.sh start --secure)', () => {
  let startedBroker = false;
  let secure: Record<string, string>;
  let app: NestFastifyApplication | undefined;
  let url: string;
  let scratch: string;

  beforeAll(async () => {
    if ((await kafkaSh(['status', '--secure'])).code !== 0) {
      const t0 = Date.now();
      const out = await kafkaShOrThrow(['start', '--secure']);
      startedBroker = true;
      process.stdout.write(`secure broker started in ${Date.now() - t0} ms\n`);
      // The start prints where it wrote the client files.
      expect(out).toContain(join(stateDir, 'client.properties'));
      expect(out).toContain(join(stateDir, 'nurt.env'));
    }
    secure = readEnvFile(join(stateDir, 'nurt.env'));
    scratch = mkdtempSync(join(tmpdir(), 'nurt-secure-'));
    ({ app, url } = await startServiceApp({
      name: `secure-${run}`,
      services: [reporting],
      groupSuffix: `-secure-${run}`,
      // The group is new on this broker and reads from the beginning; the run's own stores keep
      // earlier runs' records out of the counts.
      keepOffsets: true,
      env: secure,
    }));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (startedBroker) await kafkaSh(['stop', '--secure']);
  }, 60_000);

  it('writes nurt.env for nurt: TLS with the generated CA, SCRAM-SHA-512, a generated password', () => {
    expect(secure).toMatchObject({
      KAFKA_BROKERS: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as string,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: join(stateDir, 'tls/ca.crt'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'nurt',
    });
    expect(secure.KAFKA_SASL_PASSWORD?.length).toBeGreaterThanOrEqual(24);
  });

  it('runs the pipeline through it: produced with nurt.env, applied by the reporting group', async () => {
    expect(await runPipeline(secure, url, txs, stores, 'secure-test')).toBe(N);
  });

  it("is accepted by Kafka's own tools with client.properties (--command-config)", async () => {
    const out = await kafkaShOrThrow([
      'tool',
      'topics',
      '--bootstrap-server',
      secure.KAFKA_BROKERS ?? '',
      '--command-config',
      join(stateDir, 'client.properties'),
      '--list',
    ]);
    expect(out.split('\n')).toContain(Topics.Transactions);
  });

  it('refuses the same client without credentials, and a plaintext one', async () => {
    const ca = readFileSync(secure.KAFKA_SSL_CA_FILE ?? '', 'utf8');
    // The same client with the credentials gets in: what refuses the others is what they lack.
    const sasl = scramOf(secure);
    const broker = secure.KAFKA_BROKERS ?? '';
    expect(await connectAttempt(broker, { ca: [ca] }, sasl)).toBe('accepted');
    expect(await connectAttempt(broker, { ca: [ca] })).toMatch(/^refused/);
    expect(await connectAttempt(broker, false)).toMatch(/^refused/);
  });

  it('stops start-up with one line naming KAFKA_SASL_PASSWORD, or KAFKA_SSL_CA_FILE for a CA that did not sign it', async () => {
    // A real CA, but not the one that signed the broker's certificate.
    const otherCa = join(scratch, 'other-ca.pem');
    writeFileSync(otherCa, rootCertificates[0] ?? '');
    const cases: { env: Record<string, string>; setting: string }[] = [
      { env: { KAFKA_SASL_PASSWORD: 'not-the-password' }, setting: 'KAFKA_SASL_PASSWORD' },
      { env: { KAFKA_SSL_CA_FILE: otherCa }, setting: 'KAFKA_SSL_CA_FILE' },
    ];
    const results = await Promise.all(
      cases.map(async ({ env }) => {
        const started = startBuiltApp('reporting', await freePort(), { ...secure, ...env });
        const timer = setTimeout(() => void started.stop('SIGKILL'), 30_000);
        const code = await started.exited();
        clearTimeout(timer);
        return { code, output: started.output() };
      }),
    );
    results.forEach(({ code, output }, i) => {
      const setting = cases[i]?.setting ?? '';
      expect({ code, output }).toEqual({ code: 1, output: expect.stringContaining(`- ${setting}: `) as string });
      // The setting's line, and no stack trace.
      expect(output).not.toMatch(/^\s+at /m);
      process.stdout.write(`${output.trim()}\n`);
    });
  });
});
