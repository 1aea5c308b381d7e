import { BadRequestException, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { flattenValidationErrors, inputProblem, parseFast, validationErrorBody } from '@nurt/contracts';

/**
 * Nest's ValidationPipe, which first tries the contracts' fast path (the DTO's own decorators,
 * compiled once): a flat body or query that plainly passes them becomes the DTO at once, the rest
 * (and every 400) goes through class-transformer and class-validator as before.
 */
class FastValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype, type } = metadata;
    // A parameter without a DTO class (metatype Object, e.g. @Body(TransactionBodyPipe)) is read by
    // its own pipe, which parses it with the contract (parseAs runs this same check) or takes only
    // listed numbers and names: checking it here too walked every POST /transactions body twice.
    if (type !== 'custom' && metatype !== Object) {
      // What no DTO rule should have to meet (too deep, NUL, lone surrogates): the same check as
      // the consumer groups' records get, so REST never accepts what a group would dead-letter.
      const problem = inputProblem(value, metadata.data ?? '$');
      if (problem) throw new BadRequestException(validationErrorBody([problem]));
    }
    if (type !== 'custom' && typeof metatype === 'function') {
      const fast = parseFast(metatype as new () => object, value);
      if (fast !== undefined) return fast;
    }
    return super.transform(value, metadata);
  }
}

/** Rejects unknown fields and converts query strings to the declared types. */
export function createValidationPipe(): ValidationPipe {
  return new FastValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors: ValidationError[]) =>
      new BadRequestException(validationErrorBody(flattenValidationErrors(errors))),
  });
}
