import type { Customer } from './customer.js';
import { CustomerCache } from './customers.cache.js';

const customer = (id: number, name = `C${id}`): Customer => ({
  id,
  name,
  email: `c${id}@example.com`,
  city: 'Warsaw',
  segment: 'basic',
  createdAt: '2026-11-24T12:00:00.000Z',
  updatedAt: '2026-11-24T12:00:00.000Z',
});

describe('CustomerCache', () => {
  it('serves what it remembered until the customer is written', () => {
    const cache = new CustomerCache({ maxEntries: 10, ttlMs: Infinity });
    cache.remember(customer(1), cache.token());
    expect(cache.get(1)).toEqual(customer(1));
    cache.invalidate(1);
    expect(cache.get(1)).toBeUndefined();
  });

  it('does not keep a read that was in flight while a write completed', () => {
    const cache = new CustomerCache({ maxEntries: 10, ttlMs: Infinity });
    const token = cache.token();
    cache.invalidate(1); // a PUT committed while the GET was reading the old row
    cache.remember(customer(1, 'old'), token);
    expect(cache.get(1)).toBeUndefined();
  });

  it('evicts the least recently used customer when full', () => {
    const cache = new CustomerCache({ maxEntries: 2, ttlMs: Infinity });
    cache.remember(customer(1), cache.token());
    cache.remember(customer(2), cache.token());
    cache.get(1);
    cache.remember(customer(3), cache.token());
    expect([cache.get(1)?.id, cache.get(2)?.id, cache.get(3)?.id]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('forgets entries after the TTL, and keeps nothing when off', () => {
    let now = 0;
    const cache = new CustomerCache({ maxEntries: 10, ttlMs: 1000, now: () => now });
    cache.remember(customer(1), cache.token());
    now = 999;
    expect(cache.get(1)).toBeDefined();
    now = 1000;
    expect(cache.get(1)).toBeUndefined();
    const off = new CustomerCache({ maxEntries: 0, ttlMs: Infinity });
    off.remember(customer(1), off.token());
    expect(off.get(1)).toBeUndefined();
  });
});
