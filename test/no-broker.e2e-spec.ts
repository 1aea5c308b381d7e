/**
 * An app started while the broker is away (docs/architecture.md): HTTP comes up at once, /health
 * names Kafka as down, customers serves, POST /transactions answers 503 "not written", and once
 * the broker answers the topics are declared and the groups join, with no restart. The broker
 * "appears" as a TCP relay to the real one opening on the port the app was given.
 */
import { SERVICES, Topics } from '@nurt/contracts';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { loadServices } from '../apps/services/index.js';
import { freePort } from './support/net.js';
import { positionGroupsAtEnd } from './support/pipeline.js';
import { startBuiltApp, waitForHttp, type AppProcess } from './support/process.js';
import { runId, waitFor } from './support/wait.js';

const broker = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0] ?? '127.0.0.1:9092';

/** Forwards every connection on `port` to the real broker (which then names itself in metadata). */
function relay(port: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const at = broker.lastIndexOf(':');
    const upstream = connect({ host: broker.slice(0, at), port: Number(broker.slice(at + 1)) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

describe('the monolith started with no broker', () => {
  let app: AppProcess | undefined;
  let server: Server | undefined;

  afterAll(async () => {
    await app?.stop('SIGTERM');
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it('serves what needs no Kafka, says Kafka is down, and joins the groups once the broker answers', async () => {
    const run = runId();
    const suffix = `-nobroker-${run}`;
    await positionGroupsAtEnd(await loadServices(SERVICES), suffix);
    const kafkaPort = await freePort();
    app = startBuiltApp('monolith', await freePort(), {
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      KAFKA_GROUP_SUFFIX: suffix,
      LOG_LEVEL: 'log',
    });
    const url = app.url;

    await waitForHttp(`${url}/health/live`, 200, 60_000);
    const health = JSON.parse(await waitForHttp(`${url}/health`, 503)) as {
      status: string;
      checks: { kafka: { status: string } };
    };
    expect(health).toMatchObject({ status: 'down', checks: { kafka: { status: 'down' } } });
    expect((await fetch(`${url}/customers/1`)).status).toBe(200);
    const tx = (id: string): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, amount: 10, store: `NB${run}`, type: 'purchase' }),
    });
    const refused = await fetch(`${url}/transactions`, tx(`${run}-0`));
    expect({ status: refused.status, body: await refused.json() }).toMatchObject({
      status: 503,
      body: { outcome: 'not-written', message: expect.stringContaining(`127.0.0.1:${kafkaPort}`) as string },
    });
    expect(app.output()).toMatch(/Kafka is not reachable at 127\.0\.0\.1:\d+: starting without it/);
    expect(app.output()).not.toMatch(/failed to start/);

    server = await relay(kafkaPort);
    await waitForHttp(`${url}/health`, 200, 90_000);
    const accepted = await fetch(`${url}/transactions`, tx(`${run}-1`));
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ topic: Topics.Transactions });
    await waitFor(
      'reporting to count the transaction',
      async () => {
        const res = await fetch(`${url}/reports/sales?store=NB${run}`);
        const groups = ((await res.json()) as { groups?: { count: number }[] }).groups ?? [];
        return groups.reduce((n, g) => n + g.count, 0) === 1;
      },
      60_000,
    );
  }, 180_000);
});
