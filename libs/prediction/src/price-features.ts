/**
 * The one definition of how an apartment becomes a model input. Training (tools/ml) and
 * serving both go through `encodeApartment`, so the two can never disagree on feature order,
 * transforms or normalisation.
 */

/** Cities the generator covers; ids are ASCII so they travel safely in query strings. */
export const CITIES = ['warsaw', 'krakow', 'gdansk', 'wroclaw', 'poznan', 'lodz'] as const;
export type City = (typeof CITIES)[number];

export function isCity(value: string): value is City {
  return (CITIES as readonly string[]).includes(value);
}

export interface Apartment {
  readonly area: number;
  readonly bedrooms: number;
  readonly building_age: number;
  /** Absent when not known; the model then answers for the cities' population mix. */
  readonly city?: City | undefined;
}

export type NumericFeature = 'area' | 'bedrooms' | 'building_age';
export const NUMERIC_FEATURES: readonly NumericFeature[] = ['area', 'bedrooms', 'building_age'];

/** Area enters as a logarithm because price is multiplicative in it. */
export type FeatureTransform = 'identity' | 'log';

export interface NumericFeatureSpec {
  readonly name: NumericFeature;
  readonly transform: FeatureTransform;
  readonly mean: number;
  readonly std: number;
}

export interface FeatureSpec {
  readonly numeric: readonly NumericFeatureSpec[];
  /** One-hot slots in this order, followed by one slot meaning "city not given". */
  readonly cities: readonly City[];
}

export interface TargetSpec {
  readonly name: 'price';
  readonly unit: 'PLN';
  readonly transform: FeatureTransform;
  readonly mean: number;
  readonly std: number;
}

export const DEFAULT_TRANSFORMS: Readonly<Record<NumericFeature, FeatureTransform>> = {
  area: 'log',
  bedrooms: 'identity',
  building_age: 'identity',
};

export function applyTransform(transform: FeatureTransform, value: number): number {
  switch (transform) {
    case 'identity':
      return value;
    case 'log':
      return Math.log(value);
  }
}

export function invertTransform(transform: FeatureTransform, value: number): number {
  switch (transform) {
    case 'identity':
      return value;
    case 'log':
      return Math.exp(value);
  }
}

export function inputWidth(spec: FeatureSpec): number {
  return spec.numeric.length + spec.cities.length + 1;
}

/** Writes one apartment's encoded features into `out` at row `row`, avoiding per-row allocation. */
export function encodeApartment(spec: FeatureSpec, apartment: Apartment, out: Float32Array, row: number): void {
  const width = inputWidth(spec);
  const base = row * width;
  for (let i = 0; i < spec.numeric.length; i++) {
    const f = spec.numeric[i];
    out[base + i] = (applyTransform(f.transform, apartment[f.name]) - f.mean) / f.std;
  }
  const cityBase = base + spec.numeric.length;
  for (let i = 0; i <= spec.cities.length; i++) out[cityBase + i] = 0;
  const slot = apartment.city === undefined ? -1 : spec.cities.indexOf(apartment.city);
  out[cityBase + (slot < 0 ? spec.cities.length : slot)] = 1;
}

export function encodeApartments(spec: FeatureSpec, apartments: readonly Apartment[]): Float32Array {
  const out = new Float32Array(apartments.length * inputWidth(spec));
  apartments.forEach((a, row) => encodeApartment(spec, a, out, row));
  return out;
}

export function decodeTarget(target: TargetSpec, normalised: number): number {
  return invertTransform(target.transform, normalised * target.std + target.mean);
}

export function encodeTarget(target: TargetSpec, price: number): number {
  return (applyTransform(target.transform, price) - target.mean) / target.std;
}

/** Mean and population standard deviation of the transformed values; std never 0. */
export function fitNormalisation(
  values: readonly number[],
  transform: FeatureTransform,
): { mean: number; std: number } {
  const t = values.map((v) => applyTransform(transform, v));
  const mean = t.reduce((s, v) => s + v, 0) / t.length;
  const variance = t.reduce((s, v) => s + (v - mean) ** 2, 0) / t.length;
  return { mean, std: Math.sqrt(variance) || 1 };
}
