import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileSystemLoader, fileSystemSaver } from './model-files.js';
import { ModelMetadataError } from './model-metadata.js';
import { decodeTarget, encodeApartments, inputWidth, type Apartment, type City } from './price-features.js';
import { listModelVersions, PriceModel } from './price-model.js';
import { initTfBackend } from './tf-backend.js';

const quiet = { log: () => undefined, warn: () => undefined };

async function sampleRows(n: number): Promise<Apartment[]> {
  const lines = (await readFile('data/apartments.csv', 'utf8'))
    .trim()
    .split('\n')
    .slice(1, n + 1);
  return lines.map((line) => {
    const [area, bedrooms, age, city] = line.split(',');
    return {
      area: Number(area),
      bedrooms: Number(bedrooms),
      building_age: Number(age),
      ...(city ? { city: city as City } : {}),
    };
  });
}

describe('PriceModel (committed v1)', () => {
  let model: PriceModel;
  beforeAll(async () => {
    await initTfBackend('cpu', quiet);
    model = await PriceModel.load('models/price/v1');
  });
  afterAll(() => model.dispose());

  it("prices the lecture's apartment plausibly, in PLN with 2 decimals", () => {
    const [price] = model.predict([{ area: 65, bedrooms: 3, building_age: 10 }]);
    expect(price).toBeGreaterThan(400_000);
    expect(price).toBeLessThan(1_200_000);
    expect(Math.round(price * 100) / 100).toBe(price);
  });

  it('ranks cities as the data does: Warsaw above Łódź', () => {
    const [warsaw, lodz] = model.predict([
      { area: 50, bedrooms: 2, building_age: 20, city: 'warsaw' },
      { area: 50, bedrooms: 2, building_age: 20, city: 'lodz' },
    ]);
    expect(warsaw / lodz).toBeGreaterThan(1.5);
  });

  it('gives each row the same price alone as inside any batch', async () => {
    const rows = await sampleRows(200);
    const batch = model.predict(rows);
    expect(rows.map((r) => model.predict([r])[0])).toEqual(batch);
    expect(model.predict(rows.slice(17, 81))).toEqual(batch.slice(17, 81));
  });

  it('answers what LayersModel.predict answers for the same weights', async () => {
    const rows = await sampleRows(300);
    const layers = await tf.loadLayersModel(fileSystemLoader('models/price/v1'));
    const { features, target } = model.metadata;
    const raw = (
      layers.predict(tf.tensor2d(encodeApartments(features, rows), [rows.length, inputWidth(features)])) as tf.Tensor
    ).dataSync();
    const expected = Array.from(raw, (y) => Math.round(decodeTarget(target, y) * 100) / 100);
    layers.dispose();
    expect(model.predict(rows)).toEqual(expected);
  });

  it('stays finite at the edges of the accepted input range', () => {
    const prices = model.predict([
      { area: 0.01, bedrooms: 0, building_age: 0 },
      { area: 10_000, bedrooms: 50, building_age: 500 },
    ]);
    expect(prices.every((p) => Number.isFinite(p) && p > 0)).toBe(true);
  });

  it('agrees with the WebAssembly backend to float32 precision', async () => {
    const rows = await sampleRows(100);
    const onCpu = model.predict(rows);
    await initTfBackend('wasm', quiet);
    try {
      const wasmModel = await PriceModel.load('models/price/v1');
      const onWasm = wasmModel.predict(rows);
      wasmModel.dispose();
      onWasm.forEach((p, i) => expect(Math.abs(p - onCpu[i]) / onCpu[i]).toBeLessThan(1e-6));
    } finally {
      await initTfBackend('cpu', quiet);
    }
  });
});

describe('model folders', () => {
  let root: string;
  beforeAll(async () => {
    await initTfBackend('cpu', quiet);
    root = await mkdtemp(join(tmpdir(), 'nurt-models-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('saves and loads a Layers model through the file-system handlers, weights intact', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    await model.save(fileSystemSaver(join(root, 'roundtrip')));
    const loaded = await tf.loadLayersModel(fileSystemLoader(join(root, 'roundtrip')));
    const x = tf.tensor2d([[1, 2, 3]]);
    expect((loaded.predict(x) as tf.Tensor).arraySync()).toEqual((model.predict(x) as tf.Tensor).arraySync());
  });

  it('lists versions with metadata in natural order', async () => {
    for (const v of ['v10', 'v2', 'v1']) await cp('models/price/v1', join(root, 'versions', v), { recursive: true });
    await cp('models/price/v1/model.json', join(root, 'versions', 'not-a-model', 'model.json'));
    await expect(listModelVersions(join(root, 'versions'))).resolves.toEqual(['v1', 'v2', 'v10']);
  });

  it('refuses a model whose input does not fit its metadata', async () => {
    const dir = join(root, 'mismatch');
    await cp('models/price/v1', dir, { recursive: true });
    const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as { features: { cities: string[] } };
    meta.features.cities.pop();
    await writeFile(join(dir, 'metadata.json'), JSON.stringify(meta));
    await expect(PriceModel.load(dir)).rejects.toThrow(ModelMetadataError);
  });
});
