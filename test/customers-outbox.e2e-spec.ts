import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '@nurt/customers';
import { expectCustomersOpenApi, jsonValue, watchCustomersTopic } from './support/customers.js';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { freePort } from './support/net.js';
import { startBuiltApp, waitForHttp, type AppProcess } from './support/process.js';
import { runId, sleep, waitFor } from './support/wait.js';

/**
 * The built service (node dist/apps/customers/main.js) with its outbox relay switched off stands
 * for a process that committed changes and died before publishing them: it is killed with
 * SIGKILL, and a normal restart on the same database must deliver every change, in order.
 */
describe.each(['PGlite folder', 'PostgreSQL'])('customers outbox across a crash (%s)', (engine) => {
  const run = runId();
  let scratch: ScratchDatabase | undefined;
  let dir: string | undefined;
  const processes: AppProcess[] = [];

  const start = async (env: Record<string, string>) => {
    const database: Record<string, string> = scratch ? { DATABASE_URL: scratch.url } : { PGLITE_DIR: dir ?? '' };
    const app = startBuiltApp('customers', await freePort(), { ...database, CUSTOMERS_SEED: 'false', ...env });
    processes.push(app);
    await waitForHttp(`${app.url}/health/live`);
    return app;
  };
  const send = async (app: AppProcess, method: string, path: string, body?: unknown) => {
    const res = await fetch(app.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as unknown };
  };

  beforeAll(async () => {
    if (engine === 'PostgreSQL') scratch = await createScratchDatabase('nurt_outbox');
    else dir = mkdtempSync(join(tmpdir(), 'nurt-customers-'));
  });

  afterAll(async () => {
    for (const p of processes) await p.stop('SIGKILL');
    await scratch?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers changes committed by a process killed before publishing, in order, after a restart', async () => {
    const { records, tail } = await watchCustomersTopic();
    try {
      const crashed = await start({ CUSTOMERS_OUTBOX_RELAY: 'off' });
      const created: Customer[] = [];
      for (const name of ['Ola', 'Iga', 'Ela']) {
        const res = await send(crashed, 'POST', '/customers', {
          name,
          email: `${name.toLowerCase()}.${run}@example.com`,
          city: 'Gdansk',
          segment: 'basic',
        });
        expect(res.status).toBe(201);
        created.push(res.body as Customer);
      }
      const [ola, iga] = created as [Customer, Customer, Customer];
      const moved = await send(crashed, 'PUT', `/customers/${ola.id}`, {
        name: ola.name,
        email: ola.email,
        city: 'Sopot',
        segment: ola.segment,
      });
      expect(moved.status).toBe(200);
      expect((await send(crashed, 'DELETE', `/customers/${iga.id}`)).status).toBe(204);

      const ids = new Set(created.map((c) => String(c.id)));
      // Tombstones carry no email: a record is this run's if its key is one of ours and it is a delete or has our email.
      const mine = () =>
        records.filter(
          (r) =>
            r.key !== null &&
            ids.has(r.key) &&
            (r.value === null
              ? r.headers['event-type'] === 'deleted'
              : (jsonValue(r) as Customer).email.endsWith(`.${run}@example.com`)),
        );
      await sleep(2000);
      expect(mine()).toHaveLength(0);

      await crashed.stop('SIGKILL');
      const restarted = await start({});
      await waitFor('the five changes on the customers topic', () => mine().length >= 5, 30_000);
      await sleep(500);
      const events = mine();
      expect(events).toHaveLength(5);
      const byKey = (id: number) => events.filter((r) => r.key === String(id));
      expect(byKey(ola.id).map((r) => [r.headers['event-type'], jsonValue(r)])).toEqual([
        ['created', ola],
        ['updated', moved.body],
      ]);
      expect(byKey(iga.id).map((r) => [r.headers['event-type'], jsonValue(r)])).toEqual([
        ['created', iga],
        ['deleted', null],
      ]);
      expect(byKey(created[2].id).map((r) => r.headers['event-type'])).toEqual(['created']);

      // The restarted service serves what the crashed one committed, and documents it.
      expect((await send(restarted, 'GET', `/customers/${ola.id}`)).body).toEqual(moved.body);
      expect((await send(restarted, 'GET', `/customers/${iga.id}`)).status).toBe(404);
      await expectCustomersOpenApi((await send(restarted, 'GET', '/docs-json')).body);
      const ui = await fetch(`${restarted.url}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger-ui');
      expect(await restarted.stop('SIGTERM')).toBe(0);
    } finally {
      await tail.stop();
    }
  });
});

describe('customers in the monolith (node dist/apps/monolith/main.js)', () => {
  let app: AppProcess | undefined;

  afterAll(async () => {
    await app?.stop('SIGKILL');
  });

  it('answers the lecture calls as written', async () => {
    app = startBuiltApp('monolith', await freePort());
    await waitForHttp(`${app.url}/health/live`);
    await waitForHttp(`${app.url}/customers/1`);
    expect(await (await fetch(`${app.url}/customers/1`)).json()).toMatchObject({ id: 1, name: 'Anna', city: 'Warsaw' });
    const premium = (await (await fetch(`${app.url}/customers/?segment=premium`)).json()) as { items: Customer[] };
    expect(premium.items.map((c) => c.name)).toEqual(['Anna', 'Kasia']);
  });
});
