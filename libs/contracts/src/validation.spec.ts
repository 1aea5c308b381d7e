import { parseTransaction } from './transaction.event.js';
import { inputProblem, ISO_DATE_TIME, MAX_INPUT_DEPTH } from './validation.js';

const good = { id: 'TX1', amount: 10, store: 'Warsaw', type: 'purchase' };

describe('inputProblem: what no rule of a class should have to meet', () => {
  it('passes ordinary input, including text with any valid Unicode', () => {
    expect(inputProblem(good)).toBeUndefined();
    expect(inputProblem({ ...good, store: 'Łódź 🏬', note: ['a', { b: 'c' }] })).toBeUndefined();
    expect(inputProblem('plain')).toBeUndefined();
  });

  it('names the field holding a NUL character, at any depth, and a key holding one', () => {
    expect(inputProblem({ ...good, store: 'War\u0000saw' })).toEqual({
      field: 'store',
      message: 'store must not contain a NUL character (\\u0000)',
    });
    expect(inputProblem({ rows: [{ city: 'x' }, { city: '\u0000' }] })).toMatchObject({ field: 'rows.1.city' });
    expect(inputProblem({ ['a\u0000']: 1 })).toEqual({
      field: '$',
      message: 'a key of $ must not contain a NUL character (\\u0000)',
    });
    expect(inputProblem('\u0000', 'id')).toMatchObject({ field: 'id' });
  });

  it('names a lone surrogate, which is not Unicode text', () => {
    expect(inputProblem({ email: 'a\uD800@example.com' })).toEqual({
      field: 'email',
      message: 'email must be valid Unicode text (it holds a lone surrogate)',
    });
    expect(inputProblem({ email: '\uDC00' })).toMatchObject({ field: 'email' });
  });

  it('refuses nesting deeper than the limit by its top-level field, without recursing', () => {
    const deep = JSON.parse(`{"amount":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`) as unknown;
    expect(inputProblem(deep)).toEqual({ field: 'amount', message: `nested deeper than ${MAX_INPUT_DEPTH} levels` });
  });

  it('makes a record with such a value invalid, before the fast path could accept it', () => {
    expect(parseTransaction({ ...good, store: 'War\u0000saw' }, { timestamp: new Date() })).toEqual({
      ok: false,
      errors: [{ field: 'store', message: 'store must not contain a NUL character (\\u0000)' }],
    });
    expect(parseTransaction(good, { timestamp: new Date() })).toMatchObject({ ok: true });
  });
});

describe('ISO_DATE_TIME', () => {
  it('takes a date and time with seconds and its zone, and nothing new Date() cannot read', () => {
    for (const ok of ['2026-11-24T12:00:00Z', '2026-11-24T23:59:59.123456+01:00', '2026-01-31T00:00:00-05:30']) {
      expect(ISO_DATE_TIME.test(ok)).toBe(true);
      expect(Number.isNaN(Date.parse(ok))).toBe(false);
    }
    for (const bad of [
      '2026-13-45T99:99Z',
      '2026-11-24T24:00:00Z',
      '2026-11-24T12:60:00Z',
      '2026-11-24T12:00Z',
      '2026-11-24T12:00:00',
      '2026-11-24',
      '2026-11-24T12:00:00+25:00',
    ]) {
      expect(ISO_DATE_TIME.test(bad)).toBe(false);
    }
  });
});
