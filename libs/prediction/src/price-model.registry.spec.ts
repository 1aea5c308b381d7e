import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthRegistry } from '@nurt/observability';
import { Registry } from 'prom-client';
import { loadPredictionEnv } from './prediction.config.js';
import { ModelNotReadyError, ModelSwitchInProgressError, ModelVersionNotFoundError } from './prediction.constants.js';
import { PredictionMetrics } from './prediction.metrics.js';
import { PriceModelRegistry } from './price-model.registry.js';

describe('PriceModelRegistry', () => {
  let dir: string;
  let registry: PriceModelRegistry;
  let health: HealthRegistry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nurt-registry-'));
    for (const v of ['v1', 'v2']) await cp('models/price/v1', join(dir, v), { recursive: true });
    const meta = join(dir, 'v2', 'metadata.json');
    await writeFile(meta, (await readFile(meta, 'utf8')).replace('"version": "v1"', '"version": "v2"'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  beforeEach(() => {
    health = new HealthRegistry();
    const env = loadPredictionEnv({ MODEL_DIR: dir, PREDICTION_BACKEND: 'cpu', MODEL_VERSION: 'v1' });
    registry = new PriceModelRegistry(env, health, new PredictionMetrics(new Registry()));
  });
  afterEach(() => registry.unload());

  it('is not ready, and says so on /health, until the model is loaded', async () => {
    health.register(registry);
    await expect(health.report()).resolves.toMatchObject({ status: 'down' });
    expect(() => registry.current()).toThrow(ModelNotReadyError);
    await registry.onModuleInit();
    await expect(health.report()).resolves.toMatchObject({
      status: 'up',
      checks: { 'prediction-model': { status: 'up', version: 'v1', backend: 'cpu' } },
    });
  });

  it('switches versions, keeping the old one serving until the new one is warm', async () => {
    await registry.onModuleInit();
    const before = registry.current();
    const switching = registry.activate('v2');
    expect(registry.current()).toBe(before);
    expect(before.predict([{ area: 65, bedrooms: 3, building_age: 10 }])[0]).toBeGreaterThan(0);
    await switching;
    expect(registry.current().version).toBe('v2');
  });

  it('refuses an unknown version and a second switch while one is running', async () => {
    await registry.onModuleInit();
    await expect(registry.activate('v9')).rejects.toBeInstanceOf(ModelVersionNotFoundError);
    const first = registry.activate('v2');
    await expect(registry.activate('v1')).rejects.toBeInstanceOf(ModelSwitchInProgressError);
    await first;
    expect(registry.current().version).toBe('v2');
  });

  it('serves the highest version when none is configured', async () => {
    const env = loadPredictionEnv({ MODEL_DIR: dir, PREDICTION_BACKEND: 'cpu' });
    const latest = new PriceModelRegistry(env, new HealthRegistry(), new PredictionMetrics(new Registry()));
    await latest.onModuleInit();
    expect(latest.current().version).toBe('v2');
    latest.unload();
  });
});
