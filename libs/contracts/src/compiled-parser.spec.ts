import { mulberry32 } from '@nurt/random';
import { Expose, Transform, Type } from 'class-transformer';
import { IsInt, IsString, ValidateNested } from 'class-validator';
import { compileInstanceParser } from './compiled-parser.js';
import { CustomerEvent, EXAMPLE_CUSTOMER } from './customer.event.js';
import { TransactionEvent } from './transaction.event.js';
import { parseAs, parseFully } from './validation.js';

const compiledTransaction = compileInstanceParser(TransactionEvent);
/** The fast path alone, as parseAs takes it. */
const fastParse = (input: unknown): TransactionEvent | undefined => compiledTransaction?.(input);
/** The reference: class-transformer and class-validator, as REST input is read (unknown fields refused). */
const full = (input: unknown) =>
  typeof input === 'object' && input !== null && !Array.isArray(input)
    ? parseFully(TransactionEvent, input, { rejectUnknown: true })
    : ({ ok: false } as const);

/** Both answers the same, key order included (the value is written to Kafka as JSON). */
function expectSameAnswer(input: unknown): TransactionEvent | undefined {
  const fast = fastParse(input);
  const reference = full(input);
  if (fast === undefined) {
    expect(reference.ok).toBe(false);
    return undefined;
  }
  expect(reference.ok).toBe(true);
  if (reference.ok) {
    expect(fast).toStrictEqual(reference.value);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(reference.value));
  }
  return fast;
}

describe('the fast path of parseAs (the contract compiled from its decorators)', () => {
  it("answers the lecture's message as the contract does, defaults included", () => {
    const tx = expectSameAnswer(JSON.parse('{"id":"TX5001","amount":1250.00,"store":"Warsaw","type":"purchase"}'));
    expect(tx).toMatchObject({ id: 'TX5001', amount: 1250, currency: 'PLN', store: 'Warsaw', type: 'purchase' });
  });

  it('is what parseAs answers for valid input, and the reference for the rest', () => {
    const valid = { id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase' };
    expect(parseAs(TransactionEvent, valid)).toEqual({ ok: true, value: fastParse(valid) });
    const invalid = { ...valid, amount: -1 };
    expect(parseAs(TransactionEvent, invalid)).toEqual(full(invalid));
    expect(parseAs(CustomerEvent, EXAMPLE_CUSTOMER)).toEqual({ ok: true, value: { ...EXAMPLE_CUSTOMER } });
  });

  it('keeps every optional field as given', () => {
    const tx = expectSameAnswer({
      occurredAt: '2026-01-02T03:04:05Z',
      customerId: 'C7',
      type: 'refund',
      store: 'Gdansk',
      currency: 'EUR',
      amount: 10.5,
      id: 'TX1',
    });
    expect(tx).toMatchObject({ currency: 'EUR', customerId: 'C7', occurredAt: '2026-01-02T03:04:05Z' });
  });

  it.each([
    ['no id', { amount: 1, store: 'Warsaw', type: 'purchase' }],
    ['zero amount', { id: 'TX1', amount: 0, store: 'Warsaw', type: 'purchase' }],
    ['three decimals', { id: 'TX1', amount: 1.234, store: 'Warsaw', type: 'purchase' }],
    ['amount as text', { id: 'TX1', amount: '12', store: 'Warsaw', type: 'purchase' }],
    ['over the maximum', { id: 'TX1', amount: 1_000_000_000.01, store: 'Warsaw', type: 'purchase' }],
    ['empty store', { id: 'TX1', amount: 1, store: '', type: 'purchase' }],
    ['unknown type', { id: 'TX1', amount: 1, store: 'Warsaw', type: 'gift' }],
    ['bad currency', { id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase', currency: 'złoty' }],
    ['bad time', { id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase', occurredAt: 'yesterday' }],
    ['unknown field', { id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase', color: 'red' }],
    ['nested value', { id: 'TX1', amount: 1, store: { city: 'Warsaw' }, type: 'purchase' }],
    ['array value', { id: 'TX1', amount: [1], store: 'Warsaw', type: 'purchase' }],
    ['null id', { id: null, amount: 1, store: 'Warsaw', type: 'purchase' }],
  ])('leaves %s to the contract, which refuses it', (_what, input) => {
    expect(fastParse(input)).toBeUndefined();
    expect(full(input).ok).toBe(false);
  });

  it('leaves a __proto__ key to the contract (which skips it; Fastify refuses such a body before)', () => {
    const input: unknown = JSON.parse('{"id":"TX1","amount":1,"store":"W","type":"purchase","__proto__":{"x":1}}');
    expect(fastParse(input)).toBeUndefined();
  });

  it('leaves what is not an object to the contract', () => {
    for (const input of [null, undefined, 'TX1', 42, [1, 2], true]) {
      expect(fastParse(input)).toBeUndefined();
    }
  });

  it('answers as the contract does on 5,000 random flat inputs, and answers every valid one', () => {
    const random = mulberry32(2026);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    // Per field: values the contract accepts, then values it refuses (boundaries on both sides).
    const pools: Record<string, [valid: readonly unknown[], invalid: readonly unknown[]]> = {
      id: [
        ['TX1', 'a', 'A'.repeat(64), 'T:1.2_3-4', '0x'],
        ['A'.repeat(65), '-x', 'x y', '', 7, null, true],
      ],
      amount: [
        [1, 0.01, 12.5, 1250, 1e9, 1.1, 99.99],
        [1e9 + 1, 0, -1, 1e-7, 1e21, 1.005, 0.001, '5', null, false],
      ],
      currency: [
        ['PLN', 'EUR', 'USD'],
        ['usd', 'XXY', '', 3, null],
      ],
      store: [
        ['Warsaw', 'W', 'ś'.repeat(100), 'Nowy Sącz'],
        ['x'.repeat(101), '', 5, null],
      ],
      type: [
        ['purchase', 'refund', 'withdrawal'],
        ['Purchase', '', 1, null],
      ],
      customerId: [
        ['C1', 'c'.repeat(64)],
        ['', 'c'.repeat(65), 9],
      ],
      occurredAt: [
        ['2026-01-02T03:04:05Z', '2026-01-02', '2026-01-02T03:04:05.123+02:00'],
        ['2026-13-02T00:00:00Z', 'now', 1],
      ],
      extra: [[], ['x']],
    };
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const input: Record<string, unknown> = {};
      for (const [field, [valid, invalid]] of Object.entries(pools)) {
        // Required fields are usually there, the rest now and then; an unknown field rarely.
        const chance = field === 'extra' ? 0.02 : ['id', 'amount', 'store', 'type'].includes(field) ? 0.97 : 0.4;
        if (random() >= chance) continue;
        input[field] = valid.length > 0 && random() < 0.85 ? pick(valid) : pick(invalid);
      }
      const fast = expectSameAnswer(input);
      if (fast) accepted++;
      // Flat input the contract accepts is never sent the slow way.
      if (full(input).ok) expect(fast).toBeDefined();
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});

describe('compileInstanceParser', () => {
  class Inner {
    @IsInt()
    n!: number;
  }

  it('declines a class with nested rules, transformations or no rules at all', () => {
    class Nested {
      @ValidateNested()
      @Type(() => Inner)
      inner!: Inner;
    }
    class Transformed {
      @Transform(({ value }: { value: unknown }) => String(value).trim())
      @IsString()
      name!: string;
    }
    class Renamed {
      @Expose({ name: 'full_name' })
      @IsString()
      name!: string;
    }
    class NoRules {
      name = '';
    }
    for (const cls of [Nested, Transformed, Renamed, NoRules] as (new () => object)[])
      expect(compileInstanceParser(cls)).toBeUndefined();
    expect(compileInstanceParser(Inner)).toBeDefined();
  });

  it('builds an instance of the class with its defaults', () => {
    const parse = compileInstanceParser(TransactionEvent);
    const event = parse?.({ id: 'TX1', amount: 1, store: 'Warsaw', type: 'purchase' });
    expect(event).toBeInstanceOf(TransactionEvent);
    expect(event?.currency).toBe('PLN');
  });
});
