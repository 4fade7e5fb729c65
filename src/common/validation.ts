import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, FieldProblem } from './errors/domain-error';

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      // class-validator prefixes messages with the bare property name; the field path is clearer.
      detail: message.startsWith(`${error.property} `)
        ? `${field}${message.slice(error.property.length)}`
        : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Enough to fix a request by; a body of a thousand bad lines need not echo them all. */
const MAX_REPORTED = 20;

export function validationError(errors: ValidationError[]): DomainError {
  const all = flatten(errors);
  const problems = all.slice(0, MAX_REPORTED);
  const more = all.length > MAX_REPORTED ? ` (and ${all.length - MAX_REPORTED} more)` : '';
  const detail =
    all.length === 1
      ? all[0].detail
      : `${all.length} problems: ${problems.map((p) => p.detail).join('; ')}${more}`;
  return new DomainError('VALIDATION_FAILED', detail, { errors: problems });
}

/** Unknown fields are rejected, not silently dropped: a client sending `total` has a bug to learn about. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: validationError,
  });
}
