import type { RegressionMetrics } from '@nurt/prediction';

/** MAE and RMSE in the target's unit (PLN); R² against the mean of the same rows. */
export function regressionMetrics(actual: readonly number[], predicted: readonly number[]): RegressionMetrics {
  if (actual.length !== predicted.length || actual.length === 0) {
    throw new Error('regressionMetrics needs two non-empty arrays of equal length');
  }
  const n = actual.length;
  const mean = actual.reduce((s, v) => s + v, 0) / n;
  let abs = 0;
  let sq = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const err = actual[i] - predicted[i];
    abs += Math.abs(err);
    sq += err * err;
    total += (actual[i] - mean) ** 2;
  }
  return { rows: n, mae: abs / n, rmse: Math.sqrt(sq / n), r2: total === 0 ? 0 : 1 - sq / total };
}
