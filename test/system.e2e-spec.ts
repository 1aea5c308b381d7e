/**
 * One suite, two deployments: the monolith (one process) and the split deployment (every
 * service its own process, the gateway in front). A client of either sees the same API and the
 * same answers; the split deployment also keeps serving when one service is down, and a stopped
 * worker catches up from its committed offsets.
 */
import { SERVICES, Topics, type ServiceName } from '@nurt/contracts';
import { launchChromium, pageErrors, screenshot } from './support/browser.js';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { startDeployment, type Deployment, type Mode } from './support/deployment.js';
import { groupLag } from './support/kafka.js';
import { dashboardMetricNames } from '../tools/deploy/dashboard.js';
import { promtoolCheck, samplesOf, scrape } from './support/metrics.js';
import { runId, waitFor } from './support/wait.js';

/** Every path of the public API, as /docs-json documents it in both modes. */
const API_PATHS = [
  '/customers',
  '/customers/{id}',
  '/customers/{id}/profile',
  '/dashboard/events',
  '/dashboard/state',
  '/fraud/alerts',
  '/fraud/pending',
  '/health',
  '/health/live',
  '/health/ready',
  '/models/price',
  '/models/price/active',
  '/models/price/versions',
  '/predict',
  '/predict/batch',
  '/recommendations/{customerId}',
  '/reports/sales',
  '/transactions',
  '/transactions/batch',
];

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** Answers to the same deterministic requests in each mode, compared at the end. */
const answers: Partial<Record<Mode, Map<string, Answer>>> = {};

async function call(system: Deployment, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${system.url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body: parsed };
}

/** A request whose answer must be identical in both modes (recorded for the comparison). */
async function same(system: Deployment, method: string, path: string, body?: unknown): Promise<Answer> {
  const answer = await call(system, method, path, body);
  const recorded = (answers[system.mode] ??= new Map());
  recorded.set(`${method} ${path} ${JSON.stringify(body ?? null)}`, answer);
  return answer;
}

function withoutTimes(customer: unknown): unknown {
  const { createdAt: _c, updatedAt: _u, ...rest } = customer as Record<string, unknown>;
  return rest;
}

function conformance(system: () => Deployment): void {
  it('answers the lecture calls: customers, the price model', async () => {
    const anna = await same(system(), 'GET', '/customers/1');
    expect(anna.status).toBe(200);
    expect(withoutTimes(anna.body)).toEqual({
      id: 1,
      name: 'Anna',
      email: 'anna@example.com',
      city: 'Warsaw',
      segment: 'premium',
    });
    const premium = await call(system(), 'GET', '/customers/?segment=premium');
    expect(premium.status).toBe(200);
    expect((premium.body as { items: { name: string }[] }).items.map((c) => c.name)).toEqual(['Anna', 'Kasia']);

    const price = await same(system(), 'GET', '/predict/?area=65&bedrooms=3&building_age=10');
    expect(price.status).toBe(200);
    expect(price.body).toMatchObject({ currency: 'PLN', model_version: 'v1' });
    expect((price.body as { estimated_price: number }).estimated_price).toBeGreaterThan(100_000);
    expect((await same(system(), 'GET', '/models/price')).status).toBe(200);
  });

  it('creates, replaces and deletes a customer', async () => {
    const run = runId();
    const created = await call(system(), 'POST', '/customers', {
      name: 'Ola Nowak',
      email: `ola.${run}@example.com`,
      city: 'Gdańsk',
      segment: 'standard',
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: number }).id;
    const replaced = await call(system(), 'PUT', `/customers/${id}`, {
      name: 'Ola Nowak',
      email: `ola.${run}@example.com`,
      city: 'Sopot',
      segment: 'premium',
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id, city: 'Sopot', segment: 'premium' });
    expect((await call(system(), 'DELETE', `/customers/${id}`)).status).toBe(204);
    expect((await call(system(), 'GET', `/customers/${id}`)).status).toBe(404);
  });

  it('rejects bad input with 400 naming the field, on every service', async () => {
    const customer = await same(system(), 'POST', '/customers', { name: 'X', email: 'not-an-email' });
    expect(customer.status).toBe(400);
    const fields = (customer.body as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'city', 'segment']));

    const predict = await same(system(), 'GET', '/predict/?area=-5&bedrooms=3&building_age=10');
    expect(predict.status).toBe(400);
    expect((predict.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain('area');

    const tx = await same(system(), 'POST', '/transactions', { id: 'TX-bad', amount: 'a lot', store: 'Warsaw' });
    expect(tx.status).toBe(400);
    expect((tx.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(['amount', 'type']),
    );

    const report = await same(system(), 'GET', '/reports/sales?window=fortnight');
    expect(report.status).toBe(400);
    expect((report.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain('window');

    // Input no rule should have to meet is refused by name, the same as the consumer groups refuse
    // such a record: a NUL (PostgreSQL cannot store it), a lone surrogate, nesting 3,000 deep.
    const fieldsOf = (a: Answer): string[] =>
      ((a.body as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);
    const nul = await same(system(), 'POST', '/customers', {
      name: 'A\u0000',
      email: 'nul@example.com',
      city: 'Lodz',
      segment: 'standard',
    });
    expect({ status: nul.status, fields: fieldsOf(nul) }).toEqual({ status: 400, fields: ['name'] });
    const nulQuery = await same(system(), 'GET', '/reports/sales?store=%00');
    expect({ status: nulQuery.status, fields: fieldsOf(nulQuery) }).toEqual({ status: 400, fields: ['store'] });
    const surrogate = await same(system(), 'POST', '/customers', {
      name: 'S',
      email: 'a\uD800@example.com',
      city: 'Lodz',
      segment: 'standard',
    });
    expect({ status: surrogate.status, fields: fieldsOf(surrogate) }).toEqual({ status: 400, fields: ['email'] });
    const deep = await fetch(`${system().url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"id":"TX-deep","amount":${'['.repeat(3000)}1${']'.repeat(3000)},"store":"Warsaw","type":"purchase"}`,
    });
    expect({ status: deep.status, body: await deep.json() }).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'amount', message: 'nested deeper than 32 levels' }] },
    });

    // JSON sent as text is refused for its media type (415), not read as a string and judged field by field.
    const asText = await fetch(`${system().url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ id: 'TX-text', amount: 10, store: 'Warsaw', type: 'purchase' }),
    });
    expect(asText.status).toBe(415);
    expect(((await asText.json()) as { message: string }).message).toMatch(/text\/plain/);

    // A key that would poison prototypes is refused as that, not as "not valid JSON"; broken JSON says where.
    const post = (body: string): Promise<Answer> =>
      fetch(`${system().url}/transactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then(async (res) => ({ status: res.status, body: await res.json() }));
    expect(
      await post('{"id":"TX-proto","amount":1,"store":"W","type":"purchase","__proto__":{"admin":true}}'),
    ).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('"__proto__"') as string },
    });
    expect(await post('{"id":"TX-broken",')).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^the body is not valid JSON: /) as string },
    });

    const unknown = await same(system(), 'GET', '/nowhere');
    expect(unknown.status).toBe(404);
  });

  it('carries a transaction through Kafka to fraud, reporting and recommendation', async () => {
    const run = runId();
    const store = `S${run}`;
    const created = await call(system(), 'POST', '/customers', {
      name: 'Jan Kowalski',
      email: `jan.${run}@example.com`,
      city: 'Kraków',
      segment: 'premium',
    });
    expect(created.status).toBe(201);
    const customerId = String((created.body as { id: number }).id);
    const purchases = [120.5, 80, 49.5].map((amount, i) => ({
      id: `${run}-p${i}`,
      amount,
      store,
      type: 'purchase',
      customerId,
    }));
    const batch = await call(system(), 'POST', '/transactions/batch', { transactions: purchases });
    expect(batch.status).toBe(202);
    // A refund with no purchase behind it at that store: the anti-fraud group's refund rule fires.
    const refund = await call(system(), 'POST', '/transactions', {
      id: `${run}-r0`,
      amount: 999,
      store: `${store}-elsewhere`,
      type: 'refund',
      customerId,
    });
    expect(refund.status).toBe(202);
    expect(refund.body).toMatchObject({ topic: Topics.Transactions });

    await waitFor('reporting to count the purchases', async () => {
      const res = await call(system(), 'GET', `/reports/sales?store=${store}`);
      const groups = (res.body as { groups?: { count: number; sum: number }[] }).groups ?? [];
      return groups.reduce((n, g) => n + g.count, 0) === 3 && groups.reduce((s, g) => s + g.sum, 0) === 250;
    });
    await waitFor('recommendation to build the profile, with the segment from the customers topic', async () => {
      const res = await call(system(), 'GET', `/customers/${customerId}/profile`);
      const profile = res.body as { transactions?: number; segment?: string; favouriteStore?: string };
      return profile.transactions === 4 && profile.segment === 'premium' && profile.favouriteStore === store;
    });
    await waitFor('anti-fraud to flag the refund', async () => {
      const res = await call(system(), 'GET', `/fraud/alerts?customerId=${customerId}`);
      const alerts = (res.body as { alerts?: { rule: string; transactionId?: string }[] }).alerts ?? [];
      return alerts.some((a) => a.rule === 'refund-without-purchase');
    });
    expect((await call(system(), 'GET', `/recommendations/${customerId}`)).status).toBe(200);
  });

  it('shows the flow live on /dashboard in a real browser: a transaction, a stopped group lagging and catching up', async () => {
    const run = runId();
    const store = `D${run}`;
    const groupId = `reporting${system().groupSuffix}`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors = pageErrors(page);
      await page.goto(`${system().url}/`);
      expect(new URL(page.url()).pathname).toBe('/dashboard');
      await page.locator('#connection[data-state="live"]').waitFor();
      // What the page shows: attributes of what it rendered, and the data of the chart it drew.
      const attr = async (selector: string, name: string): Promise<number | null> => {
        const found = page.locator(selector);
        if ((await found.count()) === 0) return null;
        const value = await found.first().getAttribute(name);
        return value === null ? null : Number(value);
      };
      const shown = async (): Promise<{
        written: number | null;
        lag: number | null;
        members: number | null;
        sales: number | null;
      }> => ({
        written: await attr('[data-topic-total="transactions"]', 'data-value'),
        lag: await attr(`[data-group="${groupId}"]`, 'data-lag'),
        members: await attr(`[data-group="${groupId}"]`, 'data-members'),
        // The browser's own globals, read in the page (the test's TypeScript has no DOM types).
        sales: await page.evaluate<number | null>(`(() => {
          const chart = window.nurtDashboard.charts['reporting.sales'];
          const at = chart ? chart.data.labels.indexOf(${JSON.stringify(store)}) : -1;
          return at < 0 ? null : chart.data.datasets[0].data[at];
        })()`),
      });
      await waitFor('the dashboard to show the reporting group', async () => (await shown()).lag === 0);
      const before = (await shown()).written;

      const posted = await call(system(), 'POST', '/transactions', {
        id: `${run}-d0`,
        amount: 123,
        store,
        type: 'purchase',
      });
      expect(posted.status).toBe(202);
      await waitFor('the counter and the sales chart to show the transaction', async () => {
        const now = await shown();
        return (now.written ?? 0) > (before ?? 0) && now.sales === 123;
      });

      expect((await call(system(), 'POST', '/admin/groups/reporting/stop')).status).toBe(200);
      const batch = Array.from({ length: 5 }, (_, i) => ({
        id: `${run}-d${i + 1}`,
        amount: 1,
        store,
        type: 'purchase',
      }));
      expect((await call(system(), 'POST', '/transactions/batch', { transactions: batch })).status).toBe(202);
      await waitFor('the stopped group to lag by the 5 records on the page', async () => {
        const now = await shown();
        return now.members === 0 && (now.lag ?? 0) >= 5;
      });
      await screenshot(page, `dashboard-${system().mode}-lagging`);
      // A deliberate stop is not a fault: the process holding the group stays healthy and says why.
      const holder = system().process('reporting').url;
      expect((await fetch(`${holder}/health`)).status).toBe(200);
      const groups = (await (await fetch(`${holder}/admin/groups`)).json()) as { group: string; state: string }[];
      expect(groups.find((g) => g.group === 'reporting')?.state).toBe('stopped-by-operator');

      expect((await call(system(), 'POST', '/admin/groups/reporting/start')).status).toBe(200);
      await waitFor('the restarted group to catch up on the page', async () => {
        const now = await shown();
        return now.members === 1 && now.lag === 0 && now.sales === 128;
      });
      await screenshot(page, `dashboard-${system().mode}`);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('serves health, metrics and one OpenAPI document for the whole API', async () => {
    const health = await call(system(), 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'up' });
    expect((await call(system(), 'GET', '/health/ready')).status).toBe(200);
    expect((await call(system(), 'GET', '/health/live')).body).toEqual({ status: 'up' });
    // Every process: the monolith, or the gateway and each service. Each has answered HTTP by now.
    const urls = new Set([system().url, ...SERVICES.map((s) => system().process(s).url)]);
    for (const url of urls) {
      const text = await scrape(url);
      expect(text).toContain('process_resident_memory_bytes');
      expect(samplesOf(text, 'http_request_duration_seconds_count').length).toBeGreaterThan(0);
      expect({ url, ...(await promtoolCheck(text)) }).toEqual({ url, code: 0, output: '' });
    }

    const doc = (await call(system(), 'GET', '/docs-json')).body as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(API_PATHS);
    const ui = await fetch(`${system().url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
}

function useDeployment(mode: Mode): () => Deployment {
  let system: Deployment | undefined;
  let database: ScratchDatabase | undefined;
  beforeAll(async () => {
    database = await createScratchDatabase(`nurt_${mode}`);
    system = await startDeployment(mode, {
      groupSuffix: `-system-${mode}-${runId()}`,
      env: { DATABASE_URL: database.url },
    });
  }, 240_000);
  afterAll(async () => {
    await system?.stop();
    await database?.drop();
  });
  return () => {
    if (!system) throw new Error(`the ${mode} deployment did not start`);
    return system;
  };
}

describe('the system as one process (monolith)', () => {
  const system = useDeployment('monolith');
  conformance(system);
});

describe('the system as separate services behind the gateway (split)', () => {
  const system = useDeployment('split');
  conformance(system);

  it("exports every metric nurt's Grafana dashboard (deploy/grafana) queries, from one app or another", async () => {
    const exported = new Set<string>();
    for (const url of [system().url, ...SERVICES.map((s) => system().process(s).url)]) {
      for (const [, name, type] of (await scrape(url)).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        if (!name) continue;
        exported.add(name);
        if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) exported.add(`${name}${suffix}`);
      }
    }
    expect(dashboardMetricNames().filter((name) => !exported.has(name))).toEqual([]);
  });

  it('answered every deterministic request exactly as the monolith did', () => {
    const monolith = answers.monolith;
    const split = answers.split;
    if (!monolith || !split) throw new Error('run the whole file: both deployments record their answers');
    expect([...split.keys()].sort()).toEqual([...monolith.keys()].sort());
    for (const [request, answer] of split) {
      const expected = monolith.get(request);
      const clean = (a: Answer | undefined): unknown =>
        request.startsWith('GET /customers/1 ') ? { ...a, body: withoutTimes(a?.body) } : a;
      expect({ request, answer: clean(answer) }).toEqual({ request, answer: clean(expected) });
    }
  });

  describe('failure isolation', () => {
    const expectUp = async (service: ServiceName, path: string): Promise<void> => {
      const res = await call(system(), 'GET', path);
      expect({ service, status: res.status }).toEqual({ service, status: 200 });
    };

    it('with prediction stopped, customers and transactions keep answering; /predict says why', async () => {
      expect(await system().stopService('prediction')).toBe(0);
      try {
        const predict = await call(system(), 'GET', '/predict/?area=65&bedrooms=3&building_age=10');
        expect(predict.status).toBe(503);
        expect(predict.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
        expect((predict.body as { message: string }).message).toMatch(/^prediction is unavailable/);
        await expectUp('customers', '/customers/1');
        const tx = await call(system(), 'POST', '/transactions', {
          id: `${runId()}-iso`,
          amount: 10,
          store: 'Warsaw',
          type: 'purchase',
        });
        expect(tx.status).toBe(202);
        await expectUp('reporting', '/reports/sales?store=Warsaw');

        // The system reports the outage; the gateway itself stays ready (it still routes the rest).
        const health = await call(system(), 'GET', '/health');
        expect(health.status).toBe(503);
        expect(health.body).toMatchObject({ status: 'down', checks: { prediction: { status: 'down' } } });
        expect((await call(system(), 'GET', '/health/ready')).status).toBe(200);
      } finally {
        await system().restartService('prediction');
      }
      await expectUp('prediction', '/predict/?area=65&bedrooms=3&building_age=10');
      expect((await call(system(), 'GET', '/health')).status).toBe(200);
    });

    it('a reporting service stopped while transactions arrive catches up from its committed offsets', async () => {
      const run = runId();
      const store = `S${run}`;
      const count = async (): Promise<number> => {
        const res = await call(system(), 'GET', `/reports/sales?store=${store}`);
        return ((res.body as { groups?: { count: number }[] }).groups ?? []).reduce((n, g) => n + g.count, 0);
      };
      const post = (from: number, n: number): Promise<Answer> =>
        call(system(), 'POST', '/transactions/batch', {
          transactions: Array.from({ length: n }, (_, i) => ({
            id: `${run}-${from + i}`,
            amount: 10,
            store,
            type: 'purchase',
          })),
        });
      const groupId = `reporting${system().groupSuffix}`;

      expect((await post(0, 10)).status).toBe(202);
      await waitFor('reporting to count the first 10', async () => (await count()) === 10);
      expect(await system().stopService('reporting')).toBe(0);

      expect((await post(10, 30)).status).toBe(202);
      expect((await call(system(), 'GET', `/reports/sales?store=${store}`)).status).toBe(503);
      expect(await groupLag(groupId, Topics.Transactions)).toBeGreaterThanOrEqual(30);

      await system().restartService('reporting');
      await waitFor('reporting to catch up', async () => (await count()) === 40);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await count()).toBe(40); // nothing applied twice
      await waitFor(
        'the group to commit the end of the topic',
        async () => (await groupLag(groupId, Topics.Transactions)) === 0,
      );
    });
  });
});
