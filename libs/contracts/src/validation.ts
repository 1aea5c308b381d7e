import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** One broken rule on one field, as reported to a REST client or written to a dead-letter header. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: FieldError[] };

export function flattenValidationErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

export interface ParseOptions {
  /** Reject fields the class does not declare (REST input) instead of dropping them (events, for forward compatibility). */
  readonly rejectUnknown?: boolean;
}

/** Turns untrusted input into a validated instance of `cls`, or the list of what is wrong with it. */
export function parseAs<T extends object>(cls: new () => T, input: unknown, options: ParseOptions = {}): Parsed<T> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '$', message: 'must be a JSON object' }] };
  }
  const value = plainToInstance(cls, input, { exposeDefaultValues: true });
  const errors = validateSync(value, {
    whitelist: true,
    forbidNonWhitelisted: options.rejectUnknown ?? false,
    forbidUnknownValues: true,
  });
  return errors.length > 0 ? { ok: false, errors: flattenValidationErrors(errors) } : { ok: true, value };
}
