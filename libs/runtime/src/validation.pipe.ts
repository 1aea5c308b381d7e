import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { flattenValidationErrors, type FieldError } from '@nurt/contracts';

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
