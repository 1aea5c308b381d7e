import { quantile, scoreAlerts, type ScoredAlert } from './fraud-metrics.js';
import { STORES } from '@nurt/contracts';
import {
  generateFraudTraffic,
  INCIDENT_KINDS,
  storeDistanceKm,
  type CustomerTransaction,
  type Incident,
} from '@nurt/transactions';
import { distanceKm } from '../../libs/fraud/src/fraud.rules.js';

const t = (id: string, customerId: string, minutes: number): CustomerTransaction => ({
  id,
  customerId,
  amount: 10,
  currency: 'PLN',
  store: 'Warsaw',
  type: 'purchase',
  occurredAt: new Date(Date.UTC(2026, 10, 2) + minutes * 60_000).toISOString(),
});
const alert = (transactionId: string, customerId: string, rule: ScoredAlert['rule'], evidence = {}): ScoredAlert => ({
  id: `${transactionId}:${rule}`,
  customerId,
  transactionId,
  rule,
  occurredAt: '2026-11-02T00:00:00.000Z',
  evidence,
});

describe('fraud evaluation: scoring', () => {
  // c1: a burst (b1..b3, flagged at b3, 2 minutes after it began); c2: a trip incident (far), caught
  // through the evidence of an alert on the customer's own next purchase; c3: an amount incident
  // missed; c4, c5: honest, c4 falsely flagged.
  const transactions = [
    t('b1', 'c1', 0),
    t('b2', 'c1', 1),
    t('b3', 'c1', 2),
    t('far', 'c2', 0),
    t('own', 'c2', 5),
    t('big', 'c3', 0),
    t('h1', 'c4', 0),
    t('h2', 'c5', 0),
  ];
  const incidents: Incident[] = [
    {
      id: 'velocity-0',
      kind: 'velocity',
      customerId: 'c1',
      transactionIds: ['b1', 'b2', 'b3'],
      startsAt: Date.UTC(2026, 10, 2),
    },
    { id: 'travel-0', kind: 'travel', customerId: 'c2', transactionIds: ['far'], startsAt: Date.UTC(2026, 10, 2) },
    { id: 'amount-0', kind: 'amount', customerId: 'c3', transactionIds: ['big'], startsAt: Date.UTC(2026, 10, 2) },
  ];
  const alerts = [
    alert('b3', 'c1', 'velocity'),
    alert('own', 'c2', 'distant-cities', { otherTransactionId: 'far' }),
    alert('h1', 'c4', 'amount-zscore'),
  ];
  const score = scoreAlerts(transactions, incidents, ['c1', 'c2', 'c3', 'c4', 'c5'], alerts);

  it('counts true and false alerts, and detected and missed incidents', () => {
    expect(score.incidents).toMatchObject({ truePositives: 2, falsePositives: 1, falseNegatives: 1 });
    expect(score.incidents.precision).toBeCloseTo(2 / 3);
    expect(score.incidents.recall).toBeCloseTo(2 / 3);
    expect(score.missed.map((m) => m.id)).toEqual(['amount-0']);
    expect(score.falseAlerts.map((a) => a.id)).toEqual(['h1:amount-zscore']);
  });

  it('scores customers: flagged against defrauded', () => {
    expect(score.customers).toMatchObject({ truePositives: 2, falsePositives: 1, falseNegatives: 1, trueNegatives: 1 });
    expect(score.customers.precision).toBeCloseTo(2 / 3);
  });

  it('scores each rule against the incidents of its kind', () => {
    expect(score.rules.find((r) => r.rule === 'velocity')).toMatchObject({
      alerts: 1,
      truePositives: 1,
      caught: 1,
      incidents: 1,
    });
    expect(score.rules.find((r) => r.rule === 'distant-cities')).toMatchObject({ truePositives: 1, caught: 1 });
    expect(score.rules.find((r) => r.rule === 'amount-zscore')).toMatchObject({
      alerts: 1,
      falsePositives: 1,
      caught: 0,
    });
  });

  it('measures false alerts per 1,000 honest transactions and the delay in event time', () => {
    expect(score.honestTransactions).toBe(3);
    expect(score.falseAlertsPer1000Honest).toBeCloseTo(1000 / 3);
    expect([...score.eventDelaysS].sort((a, b) => a - b)).toEqual([120, 300]);
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('fraud evaluation: labelled traffic', () => {
  it('measures distances as the anti-fraud rules do (the generator repeats their haversine)', () => {
    for (const a of STORES) for (const b of STORES) expect(storeDistanceKm(a.store, b.store)).toBe(distanceKm(a, b));
  });

  const options = { seed: 3, customers: 60, days: 14, incidentsPerKind: 3, start: Date.UTC(2026, 10, 2), prefix: 'X' };
  const traffic = generateFraudTraffic(options);

  it('repeats for a seed and differs for another', () => {
    expect(generateFraudTraffic(options)).toEqual(traffic);
    expect(generateFraudTraffic({ ...options, seed: 4 }).transactions).not.toEqual(traffic.transactions);
  });

  it('puts each incident in a customer of its own, pointing at transactions of that customer', () => {
    expect(traffic.incidents).toHaveLength(INCIDENT_KINDS.length * 3);
    expect(new Set(traffic.incidents.map((i) => i.customerId)).size).toBe(traffic.incidents.length);
    const byId = new Map(traffic.transactions.map((x) => [x.id, x]));
    for (const i of traffic.incidents) {
      expect(i.transactionIds.length).toBeGreaterThan(0);
      for (const id of i.transactionIds) expect(byId.get(id)?.customerId).toBe(i.customerId);
    }
  });

  it('writes valid transactions in event-time order, with unique ids', () => {
    const times = traffic.transactions.map((x) => Date.parse(x.occurredAt));
    expect(times.every((v, i) => i === 0 || v >= (times[i - 1] ?? 0))).toBe(true);
    expect(new Set(traffic.transactions.map((x) => x.id)).size).toBe(traffic.transactions.length);
    expect(traffic.transactions.every((x) => x.amount > 0 && /^\d+(\.\d{1,2})?$/.test(String(x.amount)))).toBe(true);
  });

  it('refunds honest purchases at the store they were made, after them', () => {
    const fraud = new Set(traffic.incidents.flatMap((i) => i.transactionIds));
    const honest = traffic.transactions.filter((x) => !fraud.has(x.id));
    const refunds = honest.filter((x) => x.type === 'refund');
    expect(refunds.length).toBeGreaterThan(0);
    for (const r of refunds) {
      const earlier = honest.filter(
        (p) =>
          p.customerId === r.customerId && p.type === 'purchase' && p.store === r.store && p.occurredAt < r.occurredAt,
      );
      expect(earlier.some((p) => p.amount >= r.amount)).toBe(true);
    }
  });
});
