import { canConnect, freePort, freePortRun } from './support/net.js';
import { waitFor } from './support/wait.js';
import { startScript, waitForHttp } from './support/process.js';

describe('npm start (tools/start.mjs)', () => {
  it('starts or reuses the broker, builds if needed, serves /health with Kafka up, and stops on SIGTERM', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    // With the default broker, leave KAFKA_BROKERS unset so that start.mjs takes the path a newcomer's
    // `npm start` takes: tools/kafka start, which finds the broker running and reuses it.
    if (env.KAFKA_BROKERS === '127.0.0.1:9092') delete env.KAFKA_BROKERS;
    const launcher = startScript('tools/start.mjs', env, { group: true });
    const { child } = launcher;
    try {
      const body = JSON.parse(await waitForHttp(`http://127.0.0.1:${port}/health`, 200, 120_000)) as {
        checks: { kafka: { status: string } };
      };
      expect(body.checks.kafka.status).toBe('up');
      child.kill('SIGTERM');
      expect(await launcher.exited()).toBe(0);
    } finally {
      launcher.killGroup();
    }
    if (!process.env.KAFKA_BROKERS || process.env.KAFKA_BROKERS === '127.0.0.1:9092') {
      expect(launcher.output()).toMatch(/kafka: (already running|reusing broker|broker ready)/);
    }
  });
});

describe('npm run start:split (tools/split.mjs)', () => {
  it('runs every service and the gateway, serves the system through it, and stops them all on SIGTERM', async () => {
    // The services listen on base+1 … base+6.
    const base = await freePortRun(6);
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      NURT_SPLIT_BASE_PORT: String(base),
      LOG_LEVEL: 'warn',
      PGLITE_DIR: 'memory',
      KAFKA_GROUP_SUFFIX: '-e2e-split',
    };
    if (env.KAFKA_BROKERS === '127.0.0.1:9092') delete env.KAFKA_BROKERS;
    const launcher = startScript('tools/split.mjs', env, { group: true });
    const { child } = launcher;
    try {
      const health = JSON.parse(await waitForHttp(`http://127.0.0.1:${port}/health`, 200, 150_000)) as {
        checks: Record<string, { status: string; url: string }>;
      };
      expect(Object.keys(health.checks).sort()).toEqual(
        ['customers', 'fraud', 'prediction', 'recommendation', 'reporting', 'transactions'].sort(),
      );
      expect(health.checks.prediction).toMatchObject({ status: 'up', url: `http://127.0.0.1:${base + 2}` });
      const price = await fetch(`http://127.0.0.1:${port}/predict/?area=65&bedrooms=3&building_age=10`);
      expect(price.status).toBe(200);
      await waitFor('the launcher to report the system ready', () =>
        launcher.output().includes('split: every service ready'),
      );
      child.kill('SIGTERM');
      expect(await launcher.exited()).toBe(0);
    } catch (err: unknown) {
      throw new Error(`${String(err)}\n${launcher.output()}`, { cause: err });
    } finally {
      launcher.killGroup();
    }
    // Exit 0 means every child exited 0 after draining; and every port is free again.
    for (let p = base + 1; p <= base + 6; p++) expect(await canConnect('127.0.0.1', p)).toBe(false);
  }, 200_000);
});
