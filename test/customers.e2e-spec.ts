import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CUSTOMER_SEGMENTS, parseCustomerEvent } from '@nurt/contracts';
import { generateCustomers, type Customer } from '@nurt/customers';
import { DATABASE, type Database } from '@nurt/database';
import {
  expectCustomersOpenApi,
  jsonValue,
  openApiDocument,
  startCustomersApp,
  watchCustomersTopic,
} from './support/customers.js';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { freePort } from './support/net.js';
import { runId, sleep, waitFor } from './support/wait.js';

interface Page {
  items: Customer[];
  nextCursor: string | null;
}
interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors?: { field: string; message: string }[];
}

/** PostgreSQL: a fresh scratch database per run. PGlite: in memory. */
const engines: readonly (readonly [string, () => Promise<ScratchDatabase | null>])[] = [
  ['PostgreSQL', () => createScratchDatabase('nurt_customers')],
  ['PGlite', () => Promise.resolve(null)],
];

describe.each(engines)('customers service over HTTP on %s', (_engine, makeDatabase) => {
  let scratch: ScratchDatabase | null;
  let app: NestFastifyApplication;
  let url: string;
  const run = runId();

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as unknown };
  };
  const fieldsOf = (body: unknown) => new Set((body as ErrorBody).errors?.map((e) => e.field));
  const customer = (name: string, extra: Partial<Customer> = {}) => ({
    name,
    email: `${name.split(' ')[0].toLowerCase()}.${run}@example.com`,
    city: 'Warsaw',
    segment: 'standard',
    ...extra,
  });

  beforeAll(async () => {
    scratch = await makeDatabase();
    ({ app, url } = await startCustomersApp(scratch ? { DATABASE_URL: scratch.url } : { PGLITE_DIR: 'memory' }, {
      CUSTOMERS_OUTBOX_INTERVAL_MS: '200',
    }));
  });

  afterAll(async () => {
    await app?.close();
    await scratch?.drop();
  });

  describe('the lecture calls, on the seeded database', () => {
    it('GET /customers/1 returns Anna', async () => {
      const res = await call('GET', '/customers/1');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 1, name: 'Anna', city: 'Warsaw', segment: 'premium' });
    });

    it('GET /customers/?segment=premium returns Anna and Kasia', async () => {
      const res = await call('GET', '/customers/?segment=premium');
      expect(res.status).toBe(200);
      const page = res.body as Page;
      expect(page.items.map((c) => [c.id, c.name, c.city])).toEqual([
        [1, 'Anna', 'Warsaw'],
        [3, 'Kasia', 'Gdansk'],
      ]);
      expect(page.nextCursor).toBeNull();
    });
  });

  describe('after the seed', () => {
    beforeAll(async () => {
      // Ids unique to this run, so that this run's records on the shared customers topic can be told apart.
      const start = 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
      await app
        .get<symbol, Database>(DATABASE)
        .query(`ALTER SEQUENCE customers.customers_id_seq RESTART WITH ${start}`);
    });

    it('creates, reads, replaces and deletes a customer', async () => {
      const created = await call('POST', '/customers', customer('Zofia', { email: `  Zofia.${run}@Example.COM ` }));
      expect(created.status).toBe(201);
      const zofia = created.body as Customer;
      expect(zofia).toMatchObject({ name: 'Zofia', email: `zofia.${run}@example.com`, segment: 'standard' });
      expect(zofia.createdAt).toBe(zofia.updatedAt);
      expect(created.headers.get('location')).toBe(`/customers/${zofia.id}`);

      expect((await call('GET', `/customers/${zofia.id}`)).body).toEqual(zofia);

      const replaced = await call(
        'PUT',
        `/customers/${zofia.id}`,
        customer('Zofia Nowak', { city: 'Lodz', segment: 'premium' }),
      );
      expect(replaced.status).toBe(200);
      const updated = replaced.body as Customer;
      expect(updated).toMatchObject({ id: zofia.id, name: 'Zofia Nowak', city: 'Lodz', segment: 'premium' });
      expect(updated.createdAt).toBe(zofia.createdAt);
      expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(zofia.updatedAt));
      expect((await call('GET', `/customers/${zofia.id}`)).body).toEqual(updated);

      const deleted = await call('DELETE', `/customers/${zofia.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeNull();
      expect((await call('GET', `/customers/${zofia.id}`)).status).toBe(404);
      expect((await call('DELETE', `/customers/${zofia.id}`)).status).toBe(404);
      expect((await call('PUT', `/customers/${zofia.id}`, customer('Zofia'))).status).toBe(404);
    });

    it('answers 404 with an error body for an id nobody has', async () => {
      const res = await call('GET', '/customers/999999999');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Customer 999999999 not found' });
    });

    it('answers 409 for an email another customer has, in any case, on create and on replace', async () => {
      const first = (await call('POST', '/customers', customer('Marek'))).body as Customer;
      const dup = await call('POST', '/customers', customer('Marek Two', { email: first.email.toUpperCase() }));
      expect(dup.status).toBe(409);
      expect((dup.body as ErrorBody).message).toContain(first.email);
      expect(fieldsOf(dup.body)).toEqual(new Set(['email']));

      const second = (await call('POST', '/customers', customer('Adam'))).body as Customer;
      const clash = await call('PUT', `/customers/${second.id}`, customer('Adam', { email: first.email }));
      expect(clash.status).toBe(409);
      expect((await call('GET', `/customers/${second.id}`)).body).toEqual(second);
      // Keeping one's own email is no conflict.
      expect((await call('PUT', `/customers/${second.id}`, customer('Adam', { city: 'Poznan' }))).status).toBe(200);
    });

    it('answers 400 naming each bad field of a body, unknown fields included', async () => {
      const bad = await call('POST', '/customers', {
        name: '',
        email: 'not-an-email',
        city: 'x'.repeat(101),
        segment: 'gold',
      });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad.body)).toEqual(new Set(['name', 'email', 'city', 'segment']));
      expect((bad.body as ErrorBody).message).toMatch(/^Invalid /);

      const extra = await call('POST', '/customers', { ...customer('Ewa'), vip: true });
      expect(extra.status).toBe(400);
      expect(fieldsOf(extra.body)).toEqual(new Set(['vip']));

      const blank = await call('POST', '/customers', { ...customer('Ewa'), name: '   ' });
      expect(fieldsOf(blank.body)).toEqual(new Set(['name']));

      // PUT replaces the whole resource: a partial body is missing fields.
      const anna = await call('PUT', '/customers/1', { name: 'Anna' });
      expect(anna.status).toBe(400);
      expect(fieldsOf(anna.body)).toEqual(new Set(['email', 'city', 'segment']));

      const notJson = await fetch(`${url}/customers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      });
      expect(notJson.status).toBe(400);
    });

    it.each(['abc', '0', '-1', '1.5', '1e3', '0x1', '99999999999999999999'])(
      'answers 400 naming id for /customers/%s',
      async (id) => {
        for (const [method, body] of [['GET'], ['PUT', customer('Ewa')], ['DELETE']] as const) {
          const res = await call(method, `/customers/${id}`, body);
          expect(res.status).toBe(400);
          expect(fieldsOf(res.body)).toEqual(new Set(['id']));
        }
      },
    );

    it.each([
      ['segment=gold', 'segment'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=abc', 'cursor'],
      ['city=', 'city'],
      ['sort=name', 'sort'],
    ])('answers 400 for the query %s, naming %s', async (query, field) => {
      const res = await call('GET', `/customers?${query}`);
      expect(res.status).toBe(400);
      expect(fieldsOf(res.body)).toEqual(new Set([field]));
    });

    it('filters by segment and city (any case) and pages through every match exactly once', async () => {
      const city = `Testowo${run}`;
      const inputs = generateCustomers(48, { seed: 11 }).map((c, i) => ({
        ...c,
        email: `gen.${i}.${run}@example.com`,
        city: i % 4 === 0 ? 'Elsewhere' : city,
      }));
      const created: Customer[] = [];
      for (const input of inputs) {
        const res = await call('POST', '/customers', input);
        expect(res.status).toBe(201);
        created.push(res.body as Customer);
      }
      const inCity = created.filter((c) => c.city === city);

      const walk = async (query: string, limit: number) => {
        const seen: Customer[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const res = await call('GET', `/customers?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
          expect(res.status).toBe(200);
          const page = res.body as Page;
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items);
          cursor = page.nextCursor;
          pages++;
        } while (cursor !== null);
        return { seen, pages };
      };

      const all = await walk(`city=${city.toLowerCase()}`, 7);
      expect(all.seen).toEqual(inCity);
      expect(all.pages).toBe(Math.ceil(inCity.length / 7));

      for (const segment of CUSTOMER_SEGMENTS) {
        const { seen } = await walk(`city=${city.toUpperCase()}&segment=${segment}`, 4);
        expect(seen).toEqual(inCity.filter((c) => c.segment === segment));
      }

      // A page exactly as large as what is left ends the walk without an empty extra page.
      const exact = await call('GET', `/customers?city=${city}&limit=${inCity.length}`);
      expect((exact.body as Page).nextCursor).toBeNull();
      const defaults = (await call('GET', '/customers')).body as Page;
      expect(defaults.items).toHaveLength(50);
      expect(defaults.nextCursor).toBe(String(defaults.items.at(-1)?.id));
    });

    it('publishes every change in order, keyed by id, and a tombstone after a delete', async () => {
      const { records, tail } = await watchCustomersTopic();
      try {
        const created = (await call('POST', '/customers', customer('Kinga'))).body as Customer;
        const states: Customer[] = [created];
        for (const city of ['Lublin', 'Rzeszow']) {
          states.push((await call('PUT', `/customers/${created.id}`, customer('Kinga', { city }))).body as Customer);
        }
        // Concurrent replaces: the row lock orders them, and the topic must end in the state the database has.
        await Promise.all(
          ['a', 'b', 'c', 'd', 'e'].map((s) => call('PUT', `/customers/${created.id}`, customer(`Kinga ${s}`))),
        );
        const last = (await call('GET', `/customers/${created.id}`)).body as Customer;
        expect((await call('DELETE', `/customers/${created.id}`)).status).toBe(204);

        const mine = () => records.filter((r) => r.key === String(created.id));
        await waitFor('9 records for the customer', () => mine().length >= 9, 30_000);
        const events = mine();
        expect(events.map((r) => r.headers['event-type'])).toEqual([
          'created',
          ...Array<string>(7).fill('updated'),
          'deleted',
        ]);
        expect(new Set(events.map((r) => r.partition)).size).toBe(1);
        expect(events.slice(0, 3).map(jsonValue)).toEqual(states);
        expect(jsonValue(events[7])).toEqual(last);
        expect(events[8].value).toBeNull();
        for (const e of events.slice(0, 8))
          expect(parseCustomerEvent(jsonValue(e), { rejectUnknown: true }).ok).toBe(true);
        const stamps = events.slice(0, 8).map((e) => Date.parse((jsonValue(e) as Customer).updatedAt));
        expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
      } finally {
        await tail.stop();
      }
    });

    it('documents every endpoint, with schemas, examples and error responses, in a valid OpenAPI 3 document', async () => {
      await expectCustomersOpenApi(openApiDocument(app));
    });
  });
});

describe('customers service while Kafka is unreachable (PGlite)', () => {
  it('keeps answering reads and writes, and keeps the changes in the outbox', async () => {
    const { app, url } = await startCustomersApp(
      { PGLITE_DIR: 'memory' },
      { CUSTOMERS_OUTBOX_INTERVAL_MS: '200' },
      {
        KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
        KAFKA_BOOTSTRAP_TOPICS: 'false',
        KAFKA_CONNECTION_TIMEOUT_MS: '500',
        KAFKA_SEND_TIMEOUT_MS: '3000',
      },
    );
    try {
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        const created = await fetch(`${url}/customers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            name: `Offline ${i}`,
            email: `offline.${i}@example.com`,
            city: 'Opole',
            segment: 'basic',
          }),
        });
        expect(created.status).toBe(201);
        const listed = await fetch(`${url}/customers?city=opole`);
        expect(listed.status).toBe(200);
        expect(((await listed.json()) as Page).items).toHaveLength(i + 1);
        // The relay is stuck on the broker meanwhile; the API must not wait for it.
        expect(Date.now() - started).toBeLessThan(1000);
        await sleep(300);
      }
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^customers_outbox_pending\{[^}]*\} 8$/m);
    } finally {
      await app.close();
    }
  });
});
