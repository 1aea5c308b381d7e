import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/net.js';
import { startBuiltApp, waitForHttp, type AppProcess } from './support/process.js';

interface Prediction {
  estimated_price: number;
  currency: string;
  model_version: string;
}
interface BatchPrediction {
  predictions: { estimated_price: number }[];
  currency: string;
  model_version: string;
}
interface ErrorBody {
  statusCode: number;
  message: string;
  errors?: { field: string; message: string }[];
}

const LECTURE = '/predict/?area=65&bedrooms=3&building_age=10';

/** The prediction app as a user runs it (node dist/apps/prediction/main.js), on loopback. */
async function startApp(env: Record<string, string>): Promise<AppProcess> {
  const app = startBuiltApp('prediction', await freePort(), { PREDICTION_BACKEND: 'cpu', ...env });
  await waitForHttp(`${app.url}/health/ready`);
  return app;
}

async function get<T>(app: AppProcess, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(app.url + path);
  return { status: res.status, body: (await res.json()) as T };
}

async function send<T>(
  app: AppProcess,
  method: string,
  path: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(app.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const postBatch = <T>(app: AppProcess, payload: unknown): Promise<{ status: number; body: T }> =>
  send<T>(app, 'POST', '/predict/batch', payload);

async function sampleRows(n: number): Promise<Record<string, string | number>[]> {
  const lines = (await readFile('data/apartments.csv', 'utf8'))
    .trim()
    .split('\n')
    .slice(1, n + 1);
  return lines.map((line) => {
    const [area, bedrooms, age, city] = line.split(',');
    return { area: Number(area), bedrooms: Number(bedrooms), building_age: Number(age), ...(city ? { city } : {}) };
  });
}

describe('prediction app (node dist/apps/prediction/main.js)', () => {
  let app: AppProcess;

  beforeAll(async () => {
    app = await startApp({ PREDICTION_MAX_BATCH: '64', PREDICTION_MAX_WAIT_MS: '2' });
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
  });

  it("answers the lecture's request with a plausible price in PLN", async () => {
    const { status, body } = await get<Prediction>(app, LECTURE);
    expect(status).toBe(200);
    expect(body.currency).toBe('PLN');
    expect(body.model_version).toBe('v1');
    // 65 m² at 7,000–18,000 PLN/m²: between the cheapest and the dearest city's level.
    expect(body.estimated_price).toBeGreaterThan(65 * 7_000);
    expect(body.estimated_price).toBeLessThan(65 * 18_000);
    expect(Math.round(body.estimated_price * 100) / 100).toBe(body.estimated_price);
  });

  it('prices a known city, and Warsaw above Łódź', async () => {
    const warsaw = await get<Prediction>(app, `${LECTURE}&city=warsaw`);
    const lodz = await get<Prediction>(app, `${LECTURE}&city=lodz`);
    expect(warsaw.body.estimated_price).toBeGreaterThan(lodz.body.estimated_price * 1.5);
  });

  it('gives the same prices for a batch as for the same rows asked one by one, concurrently', async () => {
    const rows = await sampleRows(150);
    const batch = await postBatch<BatchPrediction>(app, { rows });
    expect(batch.status).toBe(200);
    expect(batch.body.predictions).toHaveLength(rows.length);
    const singles = await Promise.all(
      rows.map((r) => get<Prediction>(app, `/predict/?${new URLSearchParams(r as Record<string, string>).toString()}`)),
    );
    expect(singles.map((s) => s.status)).toEqual(rows.map(() => 200));
    expect(singles.map((s) => s.body.estimated_price)).toEqual(batch.body.predictions.map((p) => p.estimated_price));
  });

  it('coalesces concurrent requests into batched model calls', async () => {
    const metrics = async (): Promise<string> => (await fetch(`${app.url}/metrics`)).text();
    const count = (text: string, name: string): number =>
      Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    // Requests answered 200 on the route /predict, by the metric every app exports.
    const served = (text: string): number =>
      Number(
        /^http_request_duration_seconds_count\{(?=[^}]*route="\/predict")(?=[^}]*status="200")[^}]*\} (\d+)/m.exec(
          text,
        )?.[1] ?? 0,
      );
    const before = await metrics();
    await Promise.all(Array.from({ length: 64 }, () => get<Prediction>(app, LECTURE)));
    const text = await metrics();
    expect(count(text, 'prediction_batch_size_count') - count(before, 'prediction_batch_size_count')).toBeLessThan(64);
    expect(served(text) - served(before)).toBe(64);
    expect(text).toMatch(/prediction_predictions_total\{[^}]*model_version="v1"/);
    expect(text).toMatch(/prediction_model_info\{[^}]*model_version="v1"/);
  });

  it.each([
    ['/predict/?bedrooms=3&building_age=10', 'area', 'area is required'],
    ['/predict/?area=abc&bedrooms=3&building_age=10', 'area', 'area must be a number'],
    ['/predict/?area=0&bedrooms=3&building_age=10', 'area', 'greater than 0'],
    ['/predict/?area=10001&bedrooms=3&building_age=10', 'area', 'at most 10000'],
    ['/predict/?area=65&bedrooms=-1&building_age=10', 'bedrooms', 'at least 0'],
    ['/predict/?area=65&bedrooms=51&building_age=10', 'bedrooms', 'at most 50'],
    ['/predict/?area=65&bedrooms=two&building_age=10', 'bedrooms', 'must be an integer'],
    ['/predict/?area=65&bedrooms=3&building_age=-5', 'building_age', 'at least 0'],
    ['/predict/?area=65&bedrooms=3&building_age=501', 'building_age', 'at most 500'],
    ['/predict/?area=65&bedrooms=3', 'building_age', 'building_age is required'],
    ['/predict/?area=NaN&bedrooms=3&building_age=10', 'area', 'must be a number'],
    ['/predict/?area=Infinity&bedrooms=3&building_age=10', 'area', 'must be a number'],
    ['/predict/?area=65&bedrooms=3&building_age=10&city=berlin', 'city', 'city must be one of'],
  ])('answers %s with 400 naming %s', async (url, field, message) => {
    const { status, body } = await get<ErrorBody>(app, url);
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ field, message: expect.stringContaining(message) as string }]);
    expect(body.message).toContain(field);
  });

  it('rejects a bad batch row by its index, an empty batch and one over 1000 rows', async () => {
    const bad = await postBatch<ErrorBody>(app, {
      rows: [
        { area: 65, bedrooms: 3, building_age: 10 },
        { area: 65, bedrooms: 3, building_age: 'old' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'rows.1.building_age', message: 'building_age must be an integer' }]);
    expect((await postBatch<ErrorBody>(app, { rows: [] })).status).toBe(400);
    // Rows that are not apartments, however deep: nothing to price.
    for (const rows of [[[[[]]]], [null], ['x'], [{ area: 65, bedrooms: 3, building_age: 10 }, [1]]]) {
      const notRows = await postBatch<ErrorBody>(app, { rows });
      expect({ rows, status: notRows.status }).toEqual({ rows, status: 400 });
      expect(notRows.body.errors).toContainEqual({
        field: 'rows',
        message: 'rows must hold apartment objects ({area, bedrooms, building_age}), one per row',
      });
    }
    const tooMany = Array.from({ length: 1001 }, () => ({ area: 65, bedrooms: 3, building_age: 10 }));
    const big = await postBatch<ErrorBody>(app, { rows: tooMany });
    expect(big.status).toBe(400);
    expect(big.body.message).toContain('rows');
    const max = await postBatch<BatchPrediction>(app, { rows: tooMany.slice(0, 1000) });
    expect(max.status).toBe(200);
    expect(max.body.predictions).toHaveLength(1000);
  });

  it('describes the served model: version, features and held-out metrics (R² ≥ 0.9)', async () => {
    const { status, body } = await get<{
      version: string;
      backend: string;
      features: { numeric: { name: string }[]; cities: string[] };
      metrics: { test: { r2: number; mae: number } };
    }>(app, '/models/price');
    expect(status).toBe(200);
    expect(body.version).toBe('v1');
    expect(body.backend).toBe('cpu');
    expect(body.features.numeric.map((f) => f.name)).toEqual(['area', 'bedrooms', 'building_age']);
    expect(body.metrics.test.r2).toBeGreaterThanOrEqual(0.9);
    const ready = await get<{ checks: Record<string, { status: string }> }>(app, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks['prediction-model']?.status).toBe('up');
  });
});

describe('model versions and shutdown', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nurt-models-e2e-'));
    for (const v of ['v1', 'v2']) await cp('models/price/v1', join(dir, v), { recursive: true });
    const meta = join(dir, 'v2', 'metadata.json');
    await writeFile(meta, (await readFile(meta, 'utf8')).replace('"version": "v1"', '"version": "v2"'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('switches to another version under load without failing a request, for the admin token only', async () => {
    const token = 'an-admin-token-for-this-test';
    const admin = { authorization: `Bearer ${token}` };
    const app = await startApp({ MODEL_DIR: dir, MODEL_VERSION: 'v1', NURT_ADMIN_TOKEN: token });
    try {
      const versions = await get<{ versions: string[]; active: string }>(app, '/models/price/versions');
      expect(versions.body).toEqual({ versions: ['v1', 'v2'], active: 'v1' });
      let stop = false;
      const seen: string[] = [];
      const statuses = new Set<number>();
      const load = Promise.all(
        Array.from({ length: 8 }, async () => {
          while (!stop) {
            const r = await get<Prediction>(app, LECTURE);
            statuses.add(r.status);
            seen.push(r.body.model_version);
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 100));
      const anonymous = await send<{ message: string }>(app, 'PUT', '/models/price/active', { version: 'v2' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.message).toMatch(/Authorization: Bearer <NURT_ADMIN_TOKEN>/);
      const switched = await send<{ version: string }>(app, 'PUT', '/models/price/active', { version: 'v2' }, admin);
      await new Promise((r) => setTimeout(r, 100));
      stop = true;
      await load;
      expect(switched.status).toBe(200);
      expect(switched.body.version).toBe('v2');
      expect([...statuses]).toEqual([200]);
      expect(seen[0]).toBe('v1');
      expect(seen.at(-1)).toBe('v2');
      const missing = await send(app, 'PUT', '/models/price/active', { version: 'v9' }, admin);
      expect(missing.status).toBe(404);
    } finally {
      await app.stop('SIGKILL');
    }
  });

  it('on SIGTERM answers every request still waiting for its batch, then exits 0', async () => {
    const app = await startApp({ MODEL_DIR: dir, PREDICTION_MAX_BATCH: '1000', PREDICTION_MAX_WAIT_MS: '1000' });
    const pending = Array.from({ length: 20 }, () => get<Prediction>(app, LECTURE));
    await new Promise((r) => setTimeout(r, 100));
    expect(await app.stop('SIGTERM')).toBe(0);
    const answers = await Promise.all(pending);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
  });
});

describe('monolith process (node dist/apps/monolith/main.js)', () => {
  let app: AppProcess;

  beforeAll(async () => {
    app = startBuiltApp('monolith', await freePort(), { KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' });
    await waitForHttp(`${app.url}/health/ready`);
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
  });

  it("serves the lecture's GET /predict/ and GET /models/price", async () => {
    const res = await fetch(app.url + LECTURE);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Prediction;
    expect(body).toEqual({ estimated_price: expect.any(Number) as number, currency: 'PLN', model_version: 'v1' });
    expect((await fetch(`${app.url}/models/price`)).status).toBe(200);
    expect((await fetch(`${app.url}/predict/?area=-1&bedrooms=3&building_age=10`)).status).toBe(400);
  });
});
