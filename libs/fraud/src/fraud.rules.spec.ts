import type { TransactionType } from '@nurt/contracts';
import { FraudEnv } from './fraud.config.js';
import { judge, type CustomerEvent, type CustomerHistory } from './fraud.evaluation.js';
import {
  distanceKm,
  distantCities,
  eventOrder,
  kthPairwiseDistance,
  qn,
  refundWithoutPurchase,
  unusualAmount,
  velocity,
} from './fraud.rules.js';

const env = new FraudEnv();
const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const MIN = 60_000;
const DAY = 86_400_000;
let seq = 0;
const ev = (over: Partial<CustomerEvent> = {}): CustomerEvent => ({
  transactionId: `T${String(++seq).padStart(4, '0')}`,
  customerId: 'C1',
  at: T0,
  store: 'Warsaw',
  type: 'purchase',
  amount: 100,
  ...over,
});

/** Everything `events` raise when judged in event order, as `transactionId:rule`, judging them as one page. */
function alertsOf(events: readonly CustomerEvent[], arrivalOrder: readonly CustomerEvent[] = events): string[] {
  // The history is what arrived (in any order); the page to judge is always in event order.
  const histories = new Map<string, CustomerHistory>();
  for (const e of arrivalOrder) {
    const h = histories.get(e.customerId) ?? { events: [], alerts: [] };
    h.events.push(e);
    histories.set(e.customerId, h);
  }
  return judge([...events].sort(eventOrder), histories, env)
    .map((a) => a.id)
    .sort();
}

/** Every order of a few items (the partitions' interleavings of a customer's transactions). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('fraud rules', () => {
  describe('unusual amount (log-amounts, median and Qn)', () => {
    it('estimates the spread with Qn: close to the standard deviation, and not moved by a few wild values', () => {
      // A deterministic, nearly normal sample with sd ≈ 2: the logistic approximation of the normal
      // quantile function at 200 evenly spaced probabilities.
      const inverse = (p: number): number => Math.sqrt(Math.PI / 8) * Math.log(p / (1 - p));
      const sample = Array.from({ length: 200 }, (_, i) => 2 * inverse((i + 0.5) / 200));
      const sd = Math.sqrt(sample.reduce((s, v) => s + v ** 2, 0) / sample.length);
      expect(qn(sample) / sd).toBeGreaterThan(0.85);
      expect(qn(sample) / sd).toBeLessThan(1.15);
      const spoiled = [...sample.slice(0, 180), ...Array.from({ length: 20 }, () => 1000)];
      expect(qn(spoiled) / qn(sample)).toBeLessThan(1.3);
      expect(qn([5])).toBe(0);
      expect(qn([5, 5, 5, 5])).toBe(0);
    });

    it('finds the k-th pairwise distance as sorting every pair would, ties and repeats included', () => {
      let seed = 7;
      const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
      for (let t = 0; t < 300; t++) {
        const values = Array.from({ length: 2 + Math.floor(random() * 40) }, () =>
          random() < 0.3 ? Math.round(random() * 4) : Math.log(1 + random() * 1000),
        );
        const all: number[] = [];
        for (let i = 0; i < values.length; i++)
          for (let j = i + 1; j < values.length; j++) all.push(Math.abs((values[i] ?? 0) - (values[j] ?? 0)));
        all.sort((a, b) => a - b);
        for (const k of [1, Math.ceil(all.length / 4), all.length])
          expect(kthPairwiseDistance(values, k)).toBe(all[k - 1]);
      }
    });

    const usual = [95, 110, 100, 90, 105, 100, 120, 85, 98, 102];

    it('flags an amount far above the usual, with its evidence', () => {
      const hit = unusualAmount(ev({ amount: 5000 }), usual, env);
      expect(hit?.rule).toBe('amount-zscore');
      expect(hit?.evidence).toMatchObject({ amount: 5000, usualAmount: 100, history: 10, type: 'purchase' });
      expect(hit?.score).toBeGreaterThan(1);
    });

    it('does not flag ordinary variation of right-skewed amounts', () => {
      // A shopper whose baskets vary a lot: 20 to 300, median ~60. A 280 basket is part of that.
      const skewed = [22, 35, 41, 48, 55, 60, 64, 80, 95, 130, 180, 300];
      expect(unusualAmount(ev({ amount: 280 }), skewed, env)).toBeNull();
      // A mean/standard-deviation rule over the same history is dragged by the 300: the median is not.
      expect(unusualAmount(ev({ amount: 3000 }), skewed, env)?.rule).toBe('amount-zscore');
    });

    it('wants enough history, and a large ratio as well as a large z-score', () => {
      expect(unusualAmount(ev({ amount: 5000 }), usual.slice(0, env.FRAUD_AMOUNT_MIN_HISTORY - 1), env)).toBeNull();
      // Very steady amounts: 4.5× the usual is a large z-score, but not 5× the usual amount.
      const steady = Array.from({ length: 12 }, () => 100);
      expect(unusualAmount(ev({ amount: 450 }), steady, env)).toBeNull();
      expect(unusualAmount(ev({ amount: 600 }), steady, env)?.evidence).toMatchObject({ timesUsual: 6 });
    });

    it('judges refunds by their own rule, not by amount', () => {
      expect(unusualAmount(ev({ amount: 5000, type: 'refund' }), usual, env)).toBeNull();
    });

    it('compares a withdrawal with earlier withdrawals, not with purchases', () => {
      const history = [
        ...Array.from({ length: 10 }, (_, i) => ev({ at: T0 - (20 - i) * DAY, amount: 30 + i })),
        ...Array.from({ length: 10 }, (_, i) =>
          ev({ at: T0 - (10 - i) * DAY, type: 'withdrawal', amount: 500 + i * 10 }),
        ),
      ];
      const cash = ev({ type: 'withdrawal', amount: 600 });
      expect(alertsOf([...history, cash]).filter((id) => id.startsWith(cash.transactionId))).toEqual([]);
      const basket = ev({ amount: 600 });
      expect(alertsOf([...history, basket])).toContain(`${basket.transactionId}:amount-zscore`);
    });
  });

  describe('velocity', () => {
    it('flags the transaction that takes a customer over the maximum in the window, once per burst', () => {
      expect(velocity(5, false, env)).toBeNull();
      expect(velocity(6, false, env)).toMatchObject({ rule: 'velocity', evidence: { count: 6, max: 5 } });
      expect(velocity(7, true, env)).toBeNull();
      const burst = Array.from({ length: 8 }, (_, i) => ev({ at: T0 + i * 5000, amount: 20 }));
      expect(alertsOf(burst)).toEqual([`${burst[5]?.transactionId}:velocity`]);
    });

    it('counts in event time: six in a minute arriving in any order raise the same one alert', () => {
      const burst = Array.from({ length: 6 }, (_, i) => ev({ at: T0 + i * 10_000, amount: 20 }));
      const expected = [`${burst[5]?.transactionId}:velocity`];
      for (const order of permutations(burst)) expect(alertsOf(burst, order)).toEqual(expected);
      // Spread over more than the window they are not a burst.
      const slow = Array.from({ length: 6 }, (_, i) => ev({ at: T0 + i * 13_000, amount: 20 }));
      expect(alertsOf(slow)).toEqual([]);
    });
  });

  describe('distant cities', () => {
    const warsaw = ev({ store: 'Warsaw', at: T0 });

    it('flags Warsaw then Gdansk five minutes apart, not two hours apart, not an unknown store', () => {
      expect(distanceKm({ lat: 52.2297, lon: 21.0122 }, { lat: 54.352, lon: 18.6466 })).toBeGreaterThan(280);
      expect(distantCities(ev({ store: 'Gdansk', at: T0 + 5 * MIN }), [warsaw], false, env)).toMatchObject({
        rule: 'distant-cities',
        evidence: { from: 'Warsaw', to: 'Gdansk', minutes: 5, otherTransactionId: warsaw.transactionId },
      });
      expect(distantCities(ev({ store: 'Gdansk', at: T0 + 120 * MIN }), [warsaw], false, env)).toBeNull();
      expect(distantCities(ev({ store: 'Atlantis', at: T0 + 5 * MIN }), [warsaw], false, env)).toBeNull();
    });

    it('always flags the later of the two, whichever arrived first, and one alert per trip', () => {
      const gdansk = ev({ store: 'Gdansk', at: T0 + 5 * MIN, type: 'withdrawal' });
      const again = ev({ store: 'Gdansk', at: T0 + 9 * MIN });
      const expected = [`${gdansk.transactionId}:distant-cities`];
      for (const order of permutations([warsaw, gdansk, again])) {
        expect(alertsOf([warsaw, gdansk, again], order)).toEqual(expected);
      }
    });

    it('lets an honest trip by train pass', () => {
      const krakow = ev({ store: 'Krakow', at: T0 + 200 * MIN });
      expect(alertsOf([warsaw, krakow])).toEqual([]);
    });
  });

  describe('refund without purchase', () => {
    it('flags a refund with no purchase of at least its amount at that store before it', () => {
      const refund = ev({ type: 'refund', amount: 80 });
      expect(refundWithoutPurchase(refund, [], env)?.rule).toBe('refund-without-purchase');
      expect(refundWithoutPurchase(refund, [ev({ at: T0 - DAY, amount: 100 })], env)).toBeNull();
      expect(refundWithoutPurchase(refund, [ev({ at: T0 - DAY, amount: 50 })], env)).not.toBeNull();
      expect(refundWithoutPurchase(refund, [ev({ at: T0 - DAY, store: 'Lodz', amount: 100 })], env)).not.toBeNull();
      expect(refundWithoutPurchase(refund, [ev({ at: T0 - 91 * DAY, amount: 100 })], env)).not.toBeNull();
      expect(refundWithoutPurchase(ev({ type: 'purchase' }), [], env)).toBeNull();
    });

    it('matches the purchase before the refund in event time, whichever arrived first', () => {
      const purchase = ev({ at: T0 - 2 * DAY, store: 'Lodz', amount: 120 });
      const refund = ev({ at: T0, store: 'Lodz', type: 'refund', amount: 120 });
      for (const order of permutations([purchase, refund])) expect(alertsOf([purchase, refund], order)).toEqual([]);
      // A purchase after the refund does not make it honest.
      const early = ev({ at: T0 - 3 * DAY, store: 'Lodz', type: 'refund', amount: 120 });
      expect(alertsOf([purchase, early])).toEqual([`${early.transactionId}:refund-without-purchase`]);
    });
  });

  it('judges a customer the same whatever the interleaving of their stores', () => {
    // Two stores' partitions: each in its own order, interleaved every way it can be.
    const type: TransactionType = 'purchase';
    const history = Array.from({ length: 9 }, (_, i) => ev({ at: T0 - (10 - i) * DAY, amount: 90 + i * 3, type }));
    const lodz = [
      ev({ store: 'Lodz', at: T0, amount: 2000 }),
      ev({ store: 'Lodz', at: T0 + MIN, type: 'refund', amount: 50 }),
    ];
    const gdansk = [
      ev({ store: 'Gdansk', at: T0 + 10 * MIN, amount: 40 }),
      ev({ store: 'Gdansk', at: T0 + 11 * MIN, amount: 40 }),
    ];
    const all = [...history, ...lodz, ...gdansk];
    const expected = alertsOf(all);
    expect(expected).toEqual(
      [`${lodz[0]?.transactionId}:amount-zscore`, `${gdansk[0]?.transactionId}:distant-cities`].sort(),
    );
    for (const order of permutations([...lodz, ...gdansk]))
      expect(alertsOf(all, [...order, ...history])).toEqual(expected);
  });
});
