import type { Transaction } from '@nurt/contracts';
import { FraudEnv } from './fraud.config.js';
import {
  amountZScore,
  distanceKm,
  distantCities,
  refundWithoutPurchase,
  velocity,
  withAmount,
  type AmountStats,
} from './fraud.rules.js';

const env = new FraudEnv();
const tx = (over: Partial<Transaction>): Transaction => ({
  id: 'T1',
  amount: 100,
  currency: 'PLN',
  store: 'Warsaw',
  type: 'purchase',
  customerId: 'C1',
  occurredAt: '2026-11-24T12:00:00.000Z',
  ...over,
});
const history = (amounts: number[]): AmountStats | undefined =>
  amounts.reduce<AmountStats | undefined>((s, a) => withAmount(s, a), undefined);

describe('fraud rules', () => {
  it('keeps running statistics equal to the textbook mean and sample variance', () => {
    const amounts = [90, 110, 100, 95, 105, 130];
    const s = history(amounts);
    const mean = amounts.reduce((a, b) => a + b) / amounts.length;
    const variance = amounts.reduce((a, b) => a + (b - mean) ** 2, 0) / (amounts.length - 1);
    expect(s?.mean).toBeCloseTo(mean, 10);
    expect((s?.m2 ?? 0) / ((s?.n ?? 0) - 1)).toBeCloseTo(variance, 10);
  });

  it('flags an amount far above the usual, but not a normal one or a thin history', () => {
    const usual = history([90, 110, 100, 95, 105, 100]);
    const hit = amountZScore(tx({ amount: 5000 }), usual, env);
    expect(hit?.rule).toBe('amount-zscore');
    expect(hit?.evidence).toMatchObject({ amount: 5000, mean: 100, history: 6 });
    expect(amountZScore(tx({ amount: 115 }), usual, env)).toBeNull();
    expect(amountZScore(tx({ amount: 5000 }), history([100, 100]), env)).toBeNull();
    expect(amountZScore(tx({ amount: 5000, type: 'refund' }), usual, env)).toBeNull();
  });

  it('flags velocity above the maximum once per window', () => {
    expect(velocity(5, false, env)).toBeNull();
    expect(velocity(6, false, env)).toMatchObject({ rule: 'velocity', evidence: { count: 6, max: 5 } });
    expect(velocity(7, true, env)).toBeNull();
  });

  it('flags Warsaw and Gdansk five minutes apart, not two hours apart, not an unknown store', () => {
    expect(distanceKm({ lat: 52.2297, lon: 21.0122 }, { lat: 54.352, lon: 18.6466 })).toBeGreaterThan(280);
    const gdansk = tx({ store: 'Gdansk', occurredAt: '2026-11-24T12:05:00.000Z' });
    const warsaw = { transactionId: 'T0', store: 'Warsaw', occurredAt: new Date('2026-11-24T12:00:00.000Z') };
    expect(distantCities(gdansk, [warsaw], env)).toMatchObject({
      rule: 'distant-cities',
      evidence: { from: 'Warsaw', to: 'Gdansk', minutes: 5 },
    });
    expect(distantCities(tx({ store: 'Gdansk', occurredAt: '2026-11-24T14:00:00.000Z' }), [warsaw], env)).toBeNull();
    expect(distantCities(tx({ store: 'Atlantis' }), [warsaw], env)).toBeNull();
  });

  it('flags a refund without a matching purchase only', () => {
    expect(refundWithoutPurchase(tx({ type: 'refund' }), false, env)?.rule).toBe('refund-without-purchase');
    expect(refundWithoutPurchase(tx({ type: 'refund' }), true, env)).toBeNull();
    expect(refundWithoutPurchase(tx({ type: 'purchase' }), false, env)).toBeNull();
  });
});
