import { createRequire } from 'node:module';
import {
  getMetadataStorage,
  ValidationTypes,
  type MetadataStorage,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type Check = (object: object, value: unknown) => boolean;

interface Rule {
  readonly constraints: unknown[];
  readonly validateIf?: Check;
  readonly validators: readonly ValidatorConstraintInterface[];
}

interface Property {
  readonly name: string;
  /** @IsOptional, @ValidateIf: the property's rules apply only if all of these hold. */
  readonly conditions: readonly Check[];
  readonly rules: readonly Rule[];
}

/**
 * Reads an input into an instance of `cls`, or answers undefined when it cannot be sure.
 * See compileInstanceParser.
 */
export type InstanceParser<T> = (input: unknown) => T | undefined;

/** Does class-transformer hold anything (@Expose, @Exclude, @Type, @Transform) for `cls`? Unknown counts as yes. */
function hasTransformerMetadata(cls: new () => object, properties: readonly string[]): boolean {
  try {
    // Not part of class-transformer's typed API: its metadata store, where the decorators are kept.
    const { defaultMetadataStorage: storage } = createRequire(import.meta.url)('class-transformer/cjs/storage.js') as {
      defaultMetadataStorage: {
        getStrategy(target: unknown): string;
        getExposedMetadatas(target: unknown): unknown[];
        getExcludedMetadatas(target: unknown): unknown[];
        findTypeMetadata(target: unknown, property: string): unknown;
        findTransformMetadatas(target: unknown, property: string, transformationType: number): unknown[];
      };
    };
    const PLAIN_TO_CLASS = 0;
    return (
      storage.getStrategy(cls) !== 'none' ||
      storage.getExposedMetadatas(cls).length > 0 ||
      storage.getExcludedMetadatas(cls).length > 0 ||
      properties.some(
        (p) =>
          storage.findTypeMetadata(cls, p) !== undefined ||
          storage.findTransformMetadatas(cls, p, PLAIN_TO_CLASS).length > 0,
      )
    );
  } catch {
    return true;
  }
}

/** The class's rules by property, or undefined if one of them is of a kind the compiled parser does not model. */
function plan(cls: new () => object): Property[] | undefined {
  const storage = getMetadataStorage();
  // As validateSync(object, options) asks for them: no schema, no groups, `always` off.
  const metadatas = storage.getTargetValidationMetadatas(cls, undefined as unknown as string, false, false, undefined);
  // forbidUnknownValues: a class without rules is refused outright; leave that to the full path.
  if (metadatas.length === 0) return undefined;
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const m of metadatas) byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);
  const properties: Property[] = [];
  for (const [name, list] of byProperty) {
    const conditions: Check[] = [];
    const rules: Rule[] = [];
    for (const m of list) {
      if (m.each) return undefined;
      if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        const condition = m.constraints[0] as unknown;
        if (typeof condition !== 'function') return undefined;
        conditions.push(condition as Check);
      } else if (m.type === ValidationTypes.CUSTOM_VALIDATION) {
        const constraints = storage.getTargetValidatorConstraints(m.constraintCls);
        // validateSync skips async rules; the full path decides about those.
        if (constraints.length === 0 || constraints.some((c) => c.async)) return undefined;
        rules.push({
          constraints: m.constraints,
          ...(m.validateIf ? { validateIf: m.validateIf } : {}),
          validators: constraints.map((c) => c.instance),
        });
      } else {
        // nested, promise, defined, whitelist…: not modelled.
        return undefined;
      }
    }
    properties.push({ name, conditions, rules });
  }
  const names = new Set(byProperty.keys());
  // whitelist + forbidNonWhitelisted: every own property of a new instance must have rules, or
  // every input would be refused; and class-transformer skips a key whose prototype slot is a
  // method or a getter: allow none.
  if (Object.keys(new cls()).some((k) => !names.has(k))) return undefined;
  if (Object.getOwnPropertyNames(cls.prototype).some((k) => k !== 'constructor')) return undefined;
  if (hasTransformerMetadata(cls, [...names])) return undefined;
  return properties;
}

/**
 * What `validateSync(plainToInstance(cls, input, { exposeDefaultValues: true }), { whitelist: true,
 * forbidNonWhitelisted: true, forbidUnknownValues: true })` accepts, without what those calls cost
 * per input (class-transformer's walk, class-validator's metadata lookups and an error object for
 * every property, valid or not): the class's own rules, read once from its decorators, run on an
 * instance built the way class-transformer builds it for a flat input.
 *
 * The parser answers only when it is sure: an object whose keys are all properties with rules and
 * whose values are strings, numbers, booleans or null, on which every rule holds. Anything else
 * (an error to report, a nested value, an unknown key) gets undefined, and the caller runs the
 * full path, whose answer is the reference. Returns undefined (no fast path at all) for a class
 * with a kind of rule or transformation it does not model.
 */
export function compileInstanceParser<T extends object>(cls: new () => T): InstanceParser<T> | undefined {
  const properties = plan(cls);
  if (!properties) return undefined;
  const names = new Set(properties.map((p) => p.name));
  const targetName = cls.name;
  return (input: unknown): T | undefined => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
    const instance = new cls();
    const fields = instance as Record<string, unknown>;
    for (const key of Object.keys(input)) {
      if (!names.has(key)) return undefined;
      const value = (input as Record<string, unknown>)[key];
      // exposeDefaultValues: an undefined input keeps the class's default.
      if (value === undefined) continue;
      if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        return undefined;
      }
      fields[key] = value;
    }
    for (const { name, conditions, rules } of properties) {
      const value = fields[name];
      if (!conditions.every((holds) => holds(instance, value))) continue;
      for (const { constraints, validateIf, validators } of rules) {
        if (validateIf && !validateIf(instance, value)) continue;
        const args: ValidationArguments = {
          targetName,
          property: name,
          object: instance,
          value,
          constraints,
        };
        for (const validator of validators) if (validator.validate(value, args) !== true) return undefined;
      }
    }
    return instance;
  };
}
