import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { flattenValidationErrors, validationErrorBody } from '@nurt/contracts';

/** Rejects unknown fields and converts query strings to the declared types. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors: ValidationError[]) =>
      new BadRequestException(validationErrorBody(flattenValidationErrors(errors))),
  });
}
