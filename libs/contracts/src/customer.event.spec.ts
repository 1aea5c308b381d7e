import { EXAMPLE_CUSTOMER, parseCustomerEvent } from './customer.event.js';

const anna = EXAMPLE_CUSTOMER;

describe('CustomerEvent', () => {
  it('accepts the state the customers service publishes', () => {
    expect(parseCustomerEvent(anna)).toEqual({ ok: true, value: anna });
  });

  it('names each broken field', () => {
    const parsed = parseCustomerEvent({ ...anna, id: '1', segment: 'gold', email: 'nope', createdAt: 'yesterday' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(new Set(parsed.errors.map((e) => e.field))).toEqual(new Set(['id', 'segment', 'email', 'createdAt']));
  });

  it('drops unknown fields, so consumers tolerate a newer producer', () => {
    const parsed = parseCustomerEvent({ ...anna, loyaltyPoints: 10 });
    expect(parsed.ok && parsed.value).toEqual(anna);
  });
});
