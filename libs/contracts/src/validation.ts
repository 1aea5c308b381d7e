import { plainToInstance } from 'class-transformer';
import { registerDecorator, validateSync, type ValidationError, type ValidationOptions } from 'class-validator';
import { compileInstanceParser, type InstanceParser } from './compiled-parser.js';

/** One broken rule on one field, as reported to a REST client or written to a dead-letter header. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: FieldError[] };

/** The body of every 400 nurt sends: which field broke which rule. */
export interface ValidationErrorBody {
  readonly statusCode: 400;
  readonly error: 'Bad Request';
  readonly message: string;
  readonly errors: readonly FieldError[];
}

export function validationErrorBody(errors: readonly FieldError[]): ValidationErrorBody {
  const fields = [...new Set(errors.map((e) => e.field))];
  return {
    statusCode: 400,
    error: 'Bad Request',
    message: `Invalid ${fields.join(', ')}: ${errors.map((e) => e.message).join('; ')}`,
    errors,
  };
}

export function flattenValidationErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

/** The errors with their fields under `prefix` (`transactions.3.amount` for item 3 of a batch). */
export function prefixErrors(errors: readonly FieldError[], prefix: string): FieldError[] {
  return errors.map((e) => ({ field: e.field === '$' ? prefix : `${prefix}.${e.field}`, message: e.message }));
}

/**
 * Text as the API takes it everywhere (inputProblem): no NUL character, which PostgreSQL cannot
 * store, and no lone surrogate, which is not Unicode. As an OpenAPI pattern, written without the
 * `u` flag's help, so that a client's validator reads it the same with or without it.
 */
export const STORABLE_TEXT = '^(?:[^\\u0000\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';

/** The same, for a field whose leading and trailing spaces are removed: at least one character that is not a space. */
export const NON_BLANK_TEXT = `^(?=[\\s\\S]*\\S)${STORABLE_TEXT.slice(1)}`;

/**
 * A date and time with seconds and its zone (RFC 3339, what OpenAPI's `date-time` describes), e.g.
 * 2026-11-30T12:00:00Z or …T12:00:00.5+01:00: what the query filters (`since`) and the admin
 * endpoints take. Months, days, hours, minutes and seconds in range, so that `new Date()` of what
 * passes is never an Invalid Date (a day past its month's end, as 02-30, rolls over).
 */
export const ISO_DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export interface ParseOptions {
  /** Reject fields the class does not declare (REST input) instead of dropping them (events, for forward compatibility). */
  readonly rejectUnknown?: boolean;
}

/**
 * Events and request bodies are flat; deeper input is refused before class-transformer walks it,
 * which recurses once per level and overflows the stack a few thousand levels down.
 */
export const MAX_INPUT_DEPTH = 32;

/** Why a text cannot be stored or sent on as it is: PostgreSQL refuses NUL, and a lone surrogate is not Unicode. */
function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed()) {
    return 'must be valid Unicode text (it holds a lone surrogate)';
  }
  return undefined;
}

/**
 * The first thing about untrusted input no rule of a class should have to meet, as a field error:
 * nesting deeper than MAX_INPUT_DEPTH (class-transformer recurses once per level and overflows the
 * stack a few thousand levels down), or a key or text value with a NUL character or a lone
 * surrogate (PostgreSQL refuses the first, JSON encoders mangle the second). Iterative: any depth
 * is safe. REST input (the validation pipe) and every record a consumer group reads (parseAs) are
 * checked by it, so the two refuse the same input.
 */
export function inputProblem(input: unknown, field = '$'): FieldError | undefined {
  // A value's path is built only for an error: most input has none, and is checked on every request.
  interface Entry {
    readonly value: unknown;
    readonly depth: number;
    readonly parent: Entry | null;
    readonly key: string;
  }
  const pathOf = (entry: Entry): string => {
    const keys: string[] = [];
    for (let e: Entry | null = entry; e?.parent; e = e.parent) keys.push(e.key);
    return keys.length === 0 ? field : keys.reverse().join('.');
  };
  const stack: Entry[] = [{ value: input, depth: 0, parent: null, key: '' }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { value, depth } = entry;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { field: pathOf(entry), message: `${pathOf(entry)} ${problem}` };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_INPUT_DEPTH) {
      return { field: pathOf(entry).split('.')[0] ?? field, message: `nested deeper than ${MAX_INPUT_DEPTH} levels` };
    }
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const keyProblem = textProblem(key);
      if (keyProblem) return { field: pathOf(entry), message: `a key of ${pathOf(entry)} ${keyProblem}` };
      const child = object[key];
      // Numbers, booleans and null need no look: only text and nested values are pushed.
      if (typeof child === 'string' || (typeof child === 'object' && child !== null)) {
        stack.push({ value: child, depth: depth + 1, parent: entry, key });
      }
    }
  }
  return undefined;
}

const compiled = new WeakMap<object, InstanceParser<object> | null>();

/** The class's rules compiled once (null when its kind of rules is not modelled): see compileInstanceParser. */
function fastPathOf<T extends object>(cls: new () => T): InstanceParser<T> | null {
  let parser = compiled.get(cls);
  if (parser === undefined) {
    parser = compileInstanceParser(cls) ?? null;
    compiled.set(cls, parser);
  }
  return parser as InstanceParser<T> | null;
}

/**
 * The instance of `cls` when `input` is a flat object that plainly passes its rules, else undefined
 * (then only the full path can answer, and name what is wrong). What parseAs and the REST
 * validation pipe try first.
 */
export function parseFast<T extends object>(cls: new () => T, input: unknown): T | undefined {
  return fastPathOf(cls)?.(input);
}

/**
 * Turns untrusted input into a validated instance of `cls`, or the list of what is wrong with it.
 * Never throws: whatever the input, the answer names what was wrong.
 *
 * Every record a consumer group reads and every transaction posted goes through here, so a flat
 * input that plainly passes the class's rules takes a fast path: the same decorators, read once
 * and run directly (compiled-parser.ts). Anything else, and every error message, comes from
 * class-transformer and class-validator (`parseFully`), whose answer is the reference; a spec
 * holds the two equal.
 */
export function parseAs<T extends object>(cls: new () => T, input: unknown, options: ParseOptions = {}): Parsed<T> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '$', message: 'must be a JSON object' }] };
  }
  const problem = inputProblem(input);
  if (problem) return { ok: false, errors: [problem] };
  const fast = parseFast(cls, input);
  return fast !== undefined ? { ok: true, value: fast } : validateFully(cls, input, options);
}

/** class-transformer and class-validator, every rule checked and every error named: the reference answer. */
export function parseFully<T extends object>(cls: new () => T, input: object, options: ParseOptions = {}): Parsed<T> {
  const problem = inputProblem(input);
  return problem ? { ok: false, errors: [problem] } : validateFully(cls, input, options);
}

/** parseFully on input inputProblem has passed already. */
function validateFully<T extends object>(cls: new () => T, input: object, options: ParseOptions): Parsed<T> {
  try {
    const value = plainToInstance(cls, input, { exposeDefaultValues: true });
    const errors = validateSync(value, {
      whitelist: true,
      forbidNonWhitelisted: options.rejectUnknown ?? false,
      forbidUnknownValues: true,
    });
    return errors.length > 0 ? { ok: false, errors: flattenValidationErrors(errors) } : { ok: true, value };
  } catch (err: unknown) {
    // A rule that throws is a bug in a rule, but the input that made it throw is still bad input.
    return {
      ok: false,
      errors: [{ field: '$', message: `could not be validated: ${err instanceof Error ? err.message : String(err)}` }],
    };
  }
}

/**
 * How many decimal places a number has as JavaScript writes it: 1250.5 → 1, 1e-7 → 7, 1e21 → 0.
 * (class-validator's own maxDecimalPlaces throws a TypeError on exponent notation.)
 */
export function decimalPlaces(n: number): number {
  if (Number.isInteger(n)) return 0;
  const text = String(n);
  // The common case, without splitting: plain notation (no exponent), e.g. 1250.5.
  if (!text.includes('e')) return text.length - text.indexOf('.') - 1;
  const [mantissa = '', exponent = '0'] = text.split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

/** A finite number with at most `places` decimal places (money: 2). */
export function MaxDecimalPlaces(places: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'maxDecimalPlaces',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [places],
      options: { message: `$property must have at most ${places} decimal places`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number' && Number.isFinite(value) && decimalPlaces(value) <= places,
      },
    });
  };
}
