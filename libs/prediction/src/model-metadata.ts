import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CITIES, NUMERIC_FEATURES, type FeatureSpec, type TargetSpec } from './price-features.js';

export const METADATA_JSON = 'metadata.json';

export interface RegressionMetrics {
  readonly rows: number;
  readonly mae: number;
  readonly rmse: number;
  readonly r2: number;
}

/** What training records beside model.json; serving trusts nothing it cannot find here. */
export interface ModelMetadata {
  readonly name: string;
  readonly version: string;
  readonly createdAt: string;
  readonly framework: string;
  readonly features: FeatureSpec;
  readonly target: TargetSpec;
  readonly metrics: {
    readonly validation: RegressionMetrics;
    readonly test: RegressionMetrics;
    readonly testWithCity: RegressionMetrics;
    readonly testWithoutCity: RegressionMetrics;
  };
  readonly data: {
    readonly file: string;
    readonly sha256: string;
    readonly rows: number;
    readonly seed: number;
    readonly split: { readonly train: number; readonly validation: number; readonly test: number };
  };
  readonly training: Readonly<Record<string, number | string>>;
}

export class ModelMetadataError extends Error {
  override name = 'ModelMetadataError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks the parts serving depends on (features, target, version) so that a corrupt or
 * foreign metadata.json fails the load instead of producing NaN prices later.
 */
export function parseModelMetadata(raw: unknown, source: string): ModelMetadata {
  const fail = (why: string): never => {
    throw new ModelMetadataError(`${source}: ${why}`);
  };
  if (!isObject(raw)) return fail('not a JSON object');
  if (typeof raw['version'] !== 'string' || raw['version'] === '') fail('version must be a non-empty string');
  const features = raw['features'];
  if (!isObject(features) || !Array.isArray(features['numeric']) || !Array.isArray(features['cities'])) {
    return fail('features.numeric and features.cities must be arrays');
  }
  const names = features['numeric'].map((f: unknown) => (isObject(f) ? f['name'] : undefined));
  if (names.join() !== NUMERIC_FEATURES.join()) fail(`features.numeric must be ${NUMERIC_FEATURES.join(', ')}`);
  for (const f of features['numeric'] as unknown[]) {
    if (!isObject(f) || !isFiniteNumber(f['mean']) || !isFiniteNumber(f['std']) || f['std'] <= 0) {
      fail('every numeric feature needs a finite mean and a positive std');
    }
    if (isObject(f) && f['transform'] !== 'log' && f['transform'] !== 'identity') fail('unknown feature transform');
  }
  for (const c of features['cities'] as unknown[]) {
    if (typeof c !== 'string' || !(CITIES as readonly string[]).includes(c)) fail(`unknown city ${String(c)}`);
  }
  const target = raw['target'];
  if (!isObject(target) || !isFiniteNumber(target['mean']) || !isFiniteNumber(target['std']) || target['std'] <= 0) {
    fail('target needs a finite mean and a positive std');
  }
  return raw as unknown as ModelMetadata;
}

export async function readModelMetadata(dir: string): Promise<ModelMetadata> {
  const path = join(dir, METADATA_JSON);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelMetadataError(`${path}: cannot read (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelMetadataError(`${path}: invalid JSON (${(error as Error).message})`);
  }
  return parseModelMetadata(raw, path);
}
