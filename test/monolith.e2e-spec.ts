import kafkajs from 'kafkajs';
import { freePort } from './support/net.js';
import { startBuiltApp, waitForHttp, type AppProcess } from './support/process.js';
import { runId, waitFor } from './support/wait.js';

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

describe('monolith process (node dist/apps/monolith/main.js)', () => {
  let app: AppProcess;

  beforeAll(async () => {
    app = startBuiltApp('monolith', await freePort(), { KAFKA_BROKERS: brokers });
    await waitForHttp(`${app.url}/health`);
  });

  afterAll(async () => {
    await app?.stop('SIGKILL');
  });

  it('reports Kafka up on GET /health', async () => {
    // A consumer group that restarts after a retriable broker error is briefly down: wait for a 200.
    const body = JSON.parse(await waitForHttp(`${app.url}/health`, 200, 30_000)) as {
      status: string;
      checks: { kafka: { status: string; brokers: number } };
    };
    expect(body.status).toBe('up');
    expect(body.checks.kafka.status).toBe('up');
    expect(body.checks.kafka.brokers).toBeGreaterThanOrEqual(1);
  });

  it('serves an OpenAPI 3 document and Swagger UI', async () => {
    const doc = (await (await fetch(`${app.url}/docs-json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths).toHaveProperty('/health');
    const ui = await fetch(`${app.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('exports Prometheus metrics', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('shuts down cleanly on SIGTERM', async () => {
    // Groups of its own: joining the first app's groups would start a rebalance, and a member that
    // leaves in the middle of one waits for it to end (up to the session timeout) before it can go.
    const other = startBuiltApp('monolith', await freePort(), {
      KAFKA_BROKERS: brokers,
      LOG_LEVEL: 'log',
      KAFKA_GROUP_SUFFIX: `-sigterm-${runId()}`,
    });
    await waitForHttp(`${other.url}/health`);
    const started = Date.now();
    expect(await other.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(other.output()).toContain('SIGTERM: shutting down');
    expect(other.output()).toContain('stopped');
  });
});

describe('monolith logs', () => {
  const ready = async (env: Record<string, string>): Promise<string> => {
    // A group suffix of its own: no earlier member's session to wait out.
    const app = startBuiltApp('monolith', await freePort(), {
      KAFKA_BROKERS: brokers,
      LOG_LEVEL: 'log',
      KAFKA_GROUP_SUFFIX: `-logs-${runId()}`,
      ...env,
    });
    try {
      // Printed once the port is bound, before the groups join.
      await waitFor('the start-up summary', () => app.output().includes('ready on'), 60_000);
      await waitForHttp(`${app.url}/health/live`);
      return app.output();
    } finally {
      await app.stop('SIGTERM');
    }
  };

  it('writes one JSON object per line when not on a terminal, with one start-up summary and no route wiring', async () => {
    const lines = (await ready({})).trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as { level: string; context?: string; message: string });
    expect(entries.filter((e) => e.level === 'error' || e.level === 'fatal')).toEqual([]);
    expect(entries.map((e) => e.context)).not.toContain('RouterExplorer');
    expect(entries.map((e) => e.context)).not.toContain('InstanceLoader');
    const summaries = entries.filter((e) => e.message.startsWith('ready on'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.message).toMatch(
      /^ready on http:\/\/127\.0\.0\.1:\d+: \/dashboard \(live\), \/docs, \/health, \/metrics\n {2}services: customers, prediction, transactions, fraud, reporting, recommendation\n {2}consumer groups: anti-fraud, reporting, recommendation \(joining; their state on \/health\)\n {2}Kafka: .+\n {2}storage: PGlite in memory \(nothing kept\)$/,
    );
    expect(lines.length).toBeLessThan(30);
  });

  it('writes plain text, without colour codes, with LOG_FORMAT=text into a pipe', async () => {
    const output = await ready({ LOG_FORMAT: 'text' });
    expect(output).toMatch(/LOG \[monolith\] ready on http/);
    expect(output).not.toContain('\x1b[');
  });
});

describe('monolith start-up checks', () => {
  it('refuses a bad variable and names it', async () => {
    const app = startBuiltApp('monolith', await freePort(), { PORT: 'not-a-port', KAFKA_BROKERS: 'localhost' });
    expect(await app.exited()).toBe(1);
    expect(app.output()).toContain('PORT');
    expect(app.output()).toContain('KAFKA_BROKERS');
    expect(app.output()).toContain('got "not-a-port"');
  });
});

describe('Kafka health check', () => {
  it('is down, with the reason, when the broker is unreachable', async () => {
    const { ConsumerGroups, ConsumerLag, KafkaAdmin, KafkaHealth, loadKafkaEnv } = await import('@nurt/kafka');
    const { HealthRegistry } = await import('@nurt/observability');
    const { Registry } = await import('prom-client');
    const address = `127.0.0.1:${await freePort()}`;
    const kafka = new kafkajs.Kafka({ brokers: [address], connectionTimeout: 300, retry: { retries: 0 }, logLevel: 0 });
    const env = loadKafkaEnv({ KAFKA_BROKERS: address });
    const admin = new KafkaAdmin(kafka, env);
    const health = new KafkaHealth(
      admin,
      new HealthRegistry(),
      new ConsumerGroups(new ConsumerLag(admin, env, new Registry())),
    );
    const result = await health.check();
    expect(result.status).toBe('down');
    expect(String(result.error)).toBe(`no broker accepts a connection (${address} ECONNREFUSED)`);
  });
});

describe('monolith with NURT_SERVICES', () => {
  it('runs only the services named: prediction alone needs neither Kafka nor a database', async () => {
    const app = startBuiltApp('monolith', await freePort(), {
      NURT_SERVICES: 'prediction',
      // Nothing listens here: a Kafka client would fail the start.
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
    });
    try {
      await waitForHttp(`${app.url}/health/ready`);
      const health = (await (await fetch(`${app.url}/health`)).json()) as { checks: Record<string, unknown> };
      expect(Object.keys(health.checks)).toEqual(['prediction-model']);
      expect((await fetch(`${app.url}/predict/?area=65&bedrooms=3&building_age=10`)).status).toBe(200);
      expect((await fetch(`${app.url}/customers/1`)).status).toBe(404);
      const doc = (await (await fetch(`${app.url}/docs-json`)).json()) as { paths: Record<string, unknown> };
      // Health and the dashboard are on every app; the rest is the service's own.
      const own = (p: string): boolean => !p.startsWith('/health') && !p.startsWith('/dashboard');
      expect(Object.keys(doc.paths).filter(own)).toEqual([
        '/predict',
        '/predict/batch',
        '/models/price',
        '/models/price/versions',
        '/models/price/active',
      ]);
    } finally {
      await app.stop('SIGKILL');
    }
  });

  it('refuses an unknown service and names the variable', async () => {
    const app = startBuiltApp('monolith', await freePort(), { NURT_SERVICES: 'customers,billing' });
    expect(await app.exited()).toBe(1);
    expect(app.output()).toMatch(/NURT_SERVICES: each entry must be one of: customers, prediction/);
    expect(app.output()).toContain('got "customers,billing"');
  });
});
