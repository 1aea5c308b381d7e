import { regressionMetrics } from './regression-metrics.js';

describe('regressionMetrics', () => {
  it('computes MAE, RMSE and R² by their textbook definitions', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1, 2, 3, 6]);
    expect(m.rows).toBe(4);
    expect(m.mae).toBeCloseTo(0.5);
    expect(m.rmse).toBeCloseTo(1);
    expect(m.r2).toBeCloseTo(1 - 4 / 5);
  });

  it('gives R² = 1 for a perfect fit and < 0 for worse than the mean', () => {
    expect(regressionMetrics([1, 2, 3], [1, 2, 3]).r2).toBe(1);
    expect(regressionMetrics([1, 2, 3], [3, 2, 1]).r2).toBeLessThan(0);
  });

  it('refuses mismatched input', () => {
    expect(() => regressionMetrics([1], [])).toThrow();
  });
});
