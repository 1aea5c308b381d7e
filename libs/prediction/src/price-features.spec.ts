import {
  decodeTarget,
  encodeApartments,
  encodeTarget,
  fitNormalisation,
  inputWidth,
  type FeatureSpec,
  type TargetSpec,
} from './price-features.js';

const spec: FeatureSpec = {
  numeric: [
    { name: 'area', transform: 'log', mean: Math.log(50), std: 0.5 },
    { name: 'bedrooms', transform: 'identity', mean: 2, std: 1 },
    { name: 'building_age', transform: 'identity', mean: 30, std: 10 },
  ],
  cities: ['warsaw', 'krakow'],
};

describe('price features', () => {
  it('encodes numeric features with their transform and z-score, then one city slot', () => {
    const x = encodeApartments(spec, [
      { area: 50, bedrooms: 3, building_age: 10, city: 'krakow' },
      { area: 50 * Math.E, bedrooms: 2, building_age: 30 },
    ]);
    expect(inputWidth(spec)).toBe(6);
    expect(Array.from(x.slice(0, 6))).toEqual([0, 1, -2, 0, 1, 0]);
    expect(x[6]).toBeCloseTo(2);
    expect(Array.from(x.slice(7, 12))).toEqual([0, 0, 0, 0, 1]);
  });

  it('uses the "city not given" slot for a city the model was not trained on', () => {
    const x = encodeApartments(spec, [{ area: 50, bedrooms: 2, building_age: 30, city: 'lodz' }]);
    expect(Array.from(x.slice(3))).toEqual([0, 0, 1]);
  });

  it('decodes what it encodes', () => {
    const target: TargetSpec = { name: 'price', unit: 'PLN', transform: 'log', mean: 13, std: 0.4 };
    expect(decodeTarget(target, encodeTarget(target, 654_321))).toBeCloseTo(654_321, 4);
  });

  it('fits mean and std on transformed values and never returns std 0', () => {
    expect(fitNormalisation([1, 3], 'identity')).toEqual({ mean: 2, std: 1 });
    expect(fitNormalisation([5, 5], 'identity')).toEqual({ mean: 5, std: 1 });
    expect(fitNormalisation([1, Math.E ** 2], 'log')).toEqual({ mean: 1, std: 1 });
  });
});
