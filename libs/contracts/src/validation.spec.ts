import { parseTransaction } from './transaction.event.js';
import { inputProblem, MAX_INPUT_DEPTH } from './validation.js';

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
