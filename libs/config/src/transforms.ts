import { Transform } from 'class-transformer';

/** Parses an env string to a number, leaving unparsable text for the validator to name. */
export const ToNumber = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const n = Number(value);
    return value.trim() === '' || Number.isNaN(n) ? value : n;
  });

/** Accepts true/false/1/0/yes/no; anything else is left as text for IsBoolean to reject. */
export const ToBoolean = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const v = value.toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    return value;
  });

/** Splits a comma-separated list, dropping blanks. */
export const ToList = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      : value,
  );
