import { mulberry32, normal, shuffled, weightedPick } from './prng.js';

describe('prng', () => {
  it('repeats the same stream for the same seed and differs for another', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
    expect(first.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('draws normals with mean ≈ 0 and sd ≈ 1', () => {
    const random = mulberry32(1);
    const xs = Array.from({ length: 20_000 }, () => normal(random));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });

  it('picks keys in proportion to their weights', () => {
    const random = mulberry32(7);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) counts[weightedPick(random, { a: 0.8, b: 0.2 })]++;
    expect(counts.a / 10_000).toBeCloseTo(0.8, 1);
  });

  it('shuffles a copy into a permutation, reproducibly', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const once = shuffled(mulberry32(3), items);
    expect(once).toEqual(shuffled(mulberry32(3), items));
    expect([...once].sort((x, y) => x - y)).toEqual(items);
    expect(once).not.toEqual(items);
  });
});
