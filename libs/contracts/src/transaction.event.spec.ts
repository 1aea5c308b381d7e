import { parseTransaction } from './transaction.event.js';

const recordTime = new Date('2026-11-24T10:00:00.000Z');

describe('parseTransaction', () => {
  it("accepts the lecture's message as written and fills the documented defaults", () => {
    const parsed = parseTransaction(JSON.parse('{"id":"TX5001","amount":1250.00,"store":"Warsaw","type":"purchase"}'), {
      timestamp: recordTime,
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        id: 'TX5001',
        amount: 1250,
        currency: 'PLN',
        store: 'Warsaw',
        type: 'purchase',
        occurredAt: '2026-11-24T10:00:00.000Z',
      },
    });
  });

  it('keeps an explicit currency, customer and time', () => {
    const parsed = parseTransaction(
      {
        id: 'TX1',
        amount: 10.5,
        currency: 'EUR',
        store: 'Gdansk',
        type: 'refund',
        customerId: 'C7',
        occurredAt: '2026-01-02T03:04:05Z',
      },
      { timestamp: recordTime },
    );
    expect(parsed.ok && parsed.value).toMatchObject({
      currency: 'EUR',
      customerId: 'C7',
      occurredAt: '2026-01-02T03:04:05Z',
    });
  });

  it('reads "customerId": null as a transaction without a customer, the key dropped', () => {
    const parsed = parseTransaction(
      { id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase', customerId: null },
      { timestamp: recordTime },
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        id: 'TX1',
        amount: 1,
        currency: 'PLN',
        store: 'Warsaw',
        type: 'purchase',
        occurredAt: recordTime.toISOString(),
      },
    });
  });

  it.each([
    [{ amount: 1, store: 'Warsaw', type: 'purchase' }, 'id'],
    [{ id: 'TX1', amount: 0, store: 'Warsaw', type: 'purchase' }, 'amount'],
    [{ id: 'TX1', amount: -5, store: 'Warsaw', type: 'purchase' }, 'amount'],
    [{ id: 'TX1', amount: 1.234, store: 'Warsaw', type: 'purchase' }, 'amount'],
    [{ id: 'TX1', amount: '12', store: 'Warsaw', type: 'purchase' }, 'amount'],
    [{ id: 'TX1', amount: 1, store: '', type: 'purchase' }, 'store'],
    [{ id: 'TX1', amount: 1, store: 'Warsaw', type: 'gift' }, 'type'],
    [{ id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase', currency: 'złoty' }, 'currency'],
    [{ id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase', occurredAt: 'yesterday' }, 'occurredAt'],
    [{ id: 'has space', amount: 1, store: 'Warsaw', type: 'purchase' }, 'id'],
  ])('rejects %j naming %s', (input, field) => {
    const parsed = parseTransaction(input, { timestamp: recordTime });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect([...new Set(parsed.errors.map((e) => e.field))]).toEqual([field]);
  });

  it('rejects what is not an object', () => {
    for (const input of [null, 'TX1', 42, [1, 2]]) {
      const parsed = parseTransaction(input, { timestamp: recordTime });
      expect(parsed).toEqual({ ok: false, errors: [{ field: '$', message: 'must be a JSON object' }] });
    }
  });

  it('drops unknown fields of an event, but rejects them when asked (REST input)', () => {
    const input = { id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase', color: 'red' };
    const lenient = parseTransaction(input, { timestamp: recordTime });
    expect(lenient.ok && 'color' in lenient.value).toBe(false);
    const strict = parseTransaction(input, { timestamp: recordTime }, { rejectUnknown: true });
    expect(strict.ok).toBe(false);
    if (!strict.ok) expect(strict.errors[0]?.field).toBe('color');
  });
});
