import { readFile } from 'node:fs/promises';
import { ModelMetadataError, parseModelMetadata, readModelMetadata } from './model-metadata.js';

describe('model metadata', () => {
  it('reads the committed v1 metadata, whose held-out R² is at least 0.9', async () => {
    const m = await readModelMetadata('models/price/v1');
    expect(m.version).toBe('v1');
    expect(m.features.numeric.map((f) => f.name)).toEqual(['area', 'bedrooms', 'building_age']);
    expect(m.metrics.test.r2).toBeGreaterThanOrEqual(0.9);
    expect(m.data.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['a non-object', 42, /not a JSON object/],
    ['a missing version', { features: {} }, /version/],
    ['a zero std', 'zero-std', /positive std/],
    ['an unknown city', 'berlin', /unknown city berlin/],
    ['features in another order', 'reordered', /features.numeric must be/],
  ])('rejects %s', async (_label, mutation, message) => {
    const good = JSON.parse(await readFile('models/price/v1/metadata.json', 'utf8')) as {
      features: { numeric: { name: string; std: number }[]; cities: string[] };
    };
    let raw: unknown = mutation;
    if (mutation === 'zero-std') good.features.numeric[1].std = 0;
    if (mutation === 'berlin') good.features.cities.push('berlin');
    if (mutation === 'reordered') good.features.numeric.reverse();
    if (typeof mutation === 'string') raw = good;
    expect(() => parseModelMetadata(raw, 'test')).toThrow(ModelMetadataError);
    expect(() => parseModelMetadata(raw, 'test')).toThrow(message);
  });

  it('names the file when it cannot be read', async () => {
    await expect(readModelMetadata('/nonexistent')).rejects.toThrow(/\/nonexistent\/metadata.json: cannot read/);
  });
});
