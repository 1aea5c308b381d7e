import { CUSTOMER_SEGMENTS, STORES } from '@nurt/contracts';
import { generateCustomers } from './customer.generator.js';

describe('generateCustomers', () => {
  it('gives the same customers for the same seed and different ones for another', () => {
    expect(generateCustomers(50, { seed: 7 })).toEqual(generateCustomers(50, { seed: 7 }));
    expect(generateCustomers(50, { seed: 8 })).not.toEqual(generateCustomers(50, { seed: 7 }));
  });

  it('makes valid, unique, lower-case ASCII emails, also across separately generated ranges', () => {
    const all = [...generateCustomers(500, { seed: 1 }), ...generateCustomers(500, { seed: 2, start: 500 })];
    const emails = all.map((c) => c.email);
    expect(new Set(emails).size).toBe(all.length);
    for (const email of emails) expect(email).toMatch(/^[a-z]+\.[a-z]+\.\d+@[a-z0-9.]+\.[a-z]+$/);
  });

  it('spreads customers over store cities and segments, most of them standard and in Warsaw', () => {
    const customers = generateCustomers(5000, { seed: 3 });
    const count = (pred: (c: (typeof customers)[number]) => boolean) => customers.filter(pred).length;
    for (const c of customers) {
      expect(STORES.map((s) => s.store)).toContain(c.city);
      expect(CUSTOMER_SEGMENTS).toContain(c.segment);
      expect(c.name.length).toBeGreaterThan(3);
    }
    expect(count((c) => c.segment === 'standard')).toBeGreaterThan(count((c) => c.segment === 'premium'));
    expect(count((c) => c.city === 'Warsaw')).toBeGreaterThan(count((c) => c.city === 'Rzeszow'));
    // Women take the feminine form of -ski surnames.
    expect(customers.some((c) => /^Anna .*ska$/.test(c.name))).toBe(true);
    expect(customers.some((c) => /^Anna .*ski$/.test(c.name))).toBe(false);
  });
});
