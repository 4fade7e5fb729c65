import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from './errors/domain-error';

/** A path `:id` that must be a UUID; anything else is a 400 naming the field. */
export const uuidParam = new ParseUUIDPipe({
  exceptionFactory: () =>
    new DomainError('VALIDATION_FAILED', 'id must be a UUID.', {
      errors: [{ field: 'id', detail: 'id must be a UUID' }],
    }),
});
