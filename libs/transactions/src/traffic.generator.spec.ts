import { parseTransaction, STORES } from '@nurt/contracts';
import { TrafficGenerator } from './traffic.generator.js';
import { formatTransactionLine } from './transaction-line.js';

const customers = Array.from({ length: 50 }, (_, i) => String(i + 1));

describe('TrafficGenerator', () => {
  it('emits valid transactions in Polish stores with unique ids, the same for the same seed', () => {
    const make = (): string[] => {
      const g = new TrafficGenerator({ customers, seed: 7, idPrefix: 'T-', clock: () => new Date(0) });
      return Array.from({ length: 300 }, () => g.next().transactions)
        .flat()
        .map((t) => JSON.stringify(t));
    };
    const first = make();
    expect(make()).toEqual(first);
    const txs = first.map((j) => JSON.parse(j) as unknown);
    for (const tx of txs) expect(parseTransaction(tx, { timestamp: new Date() }).ok).toBe(true);
    const parsed = txs.map((t) => t as { id: string; store: string; type: string; amount: number });
    expect(new Set(parsed.map((t) => t.id)).size).toBe(parsed.length);
    expect(parsed.every((t) => STORES.some((s) => s.store === t.store))).toBe(true);
    expect(new Set(parsed.map((t) => t.type))).toEqual(new Set(['purchase', 'refund', 'withdrawal']));
    expect(parsed.filter((t) => t.type === 'withdrawal').every((t) => t.amount % 50 === 0)).toBe(true);
  });

  it('mixes in fraud patterns at about the asked ratio, and none at 0', () => {
    const g = new TrafficGenerator({ customers, seed: 3, idPrefix: 'F-', fraudRatio: 0.2 });
    const patterns = Array.from({ length: 1000 }, () => g.next().pattern).filter(Boolean);
    expect(patterns.length).toBeGreaterThan(150);
    expect(patterns.length).toBeLessThan(250);
    expect(new Set(patterns).size).toBe(4);
    const clean = new TrafficGenerator({ customers, seed: 3, idPrefix: 'C-' });
    expect(Array.from({ length: 500 }, () => clean.next().pattern).filter(Boolean)).toEqual([]);
  });
});

describe('formatTransactionLine', () => {
  it("prints the lecture's line with the partition", () => {
    expect(formatTransactionLine(2, '17', { id: 'TX5001', amount: 1250, store: 'Warsaw', type: 'purchase' })).toBe(
      '[partition=2 offset=17] TX5001: 1250.00 PLN (Warsaw)',
    );
    expect(formatTransactionLine(0, '3', 'not json')).toBe('[partition=0 offset=3] "not json"');
  });
});
