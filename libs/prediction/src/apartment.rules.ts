import { CITIES, isCity, type Apartment, type NumericFeature } from './price-features.js';

/**
 * The accepted input range, in one place for the query pipe (GET) and the DTO (batch rows), so
 * both answer a bad value with the same words.
 */
export interface NumberRule {
  readonly min: number;
  readonly max: number;
  /** area must be strictly positive; counts may be 0. */
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
}

export const APARTMENT_RULES: Readonly<Record<NumericFeature, NumberRule>> = {
  area: { min: 0, exclusiveMin: true, max: 10_000 },
  bedrooms: { min: 0, max: 50, integer: true },
  building_age: { min: 0, max: 500, integer: true },
};

/** What is wrong with `value`, as the end of a sentence starting with the field name, or undefined. */
export function brokenNumberRule(value: unknown, rule: NumberRule): string | undefined {
  const kind = rule.integer ? 'an integer' : 'a number';
  if (value === undefined) return 'is required';
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be ${kind}`;
  if (rule.integer && !Number.isInteger(value)) return `must be ${kind}`;
  const low = rule.exclusiveMin ? value <= rule.min : value < rule.min;
  if (low || value > rule.max) {
    return `must be ${rule.exclusiveMin ? 'greater than' : 'at least'} ${rule.min} and at most ${rule.max}`;
  }
  return undefined;
}

export const CITY_MESSAGE = `city must be one of ${CITIES.join(', ')}`;

/** Query-string number: blank or unparsable text stays a string so the rule reports it. */
function toNumber(value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '') return value;
  const n = Number(value);
  return Number.isNaN(n) ? value : n;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Parses GET /predict/ query parameters without class-transformer and class-validator: this is
 * the hot path, and they cost more than the model call itself once requests are batched.
 */
export function parseApartmentQuery(query: Readonly<Record<string, unknown>>): Apartment | FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(query)) {
    if (key !== 'city' && !(key in APARTMENT_RULES))
      problems.push({ field: key, message: `property ${key} should not exist` });
  }
  const area = toNumber(query['area']);
  const bedrooms = toNumber(query['bedrooms']);
  const building_age = toNumber(query['building_age']);
  const values = { area, bedrooms, building_age };
  for (const field of Object.keys(APARTMENT_RULES) as NumericFeature[]) {
    const broken = brokenNumberRule(values[field], APARTMENT_RULES[field]);
    if (broken !== undefined) problems.push({ field, message: `${field} ${broken}` });
  }
  const city = query['city'];
  if (city !== undefined && (typeof city !== 'string' || !isCity(city)))
    problems.push({ field: 'city', message: CITY_MESSAGE });
  if (problems.length > 0) return problems;
  return {
    area: area as number,
    bedrooms: bedrooms as number,
    building_age: building_age as number,
    city: city as Apartment['city'],
  };
}

/** The rule as an OpenAPI 3.0 schema, so that the document declares what the API enforces. */
export function ruleSchema(rule: NumberRule): {
  type: 'integer' | 'number';
  minimum: number;
  exclusiveMinimum?: boolean;
  maximum: number;
} {
  return {
    type: rule.integer ? 'integer' : 'number',
    minimum: rule.min,
    ...(rule.exclusiveMin ? { exclusiveMinimum: true } : {}),
    maximum: rule.max,
  };
}
