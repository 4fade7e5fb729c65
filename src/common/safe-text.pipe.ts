import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from './errors/domain-error';
import { findUnsafeText, printable } from './text-safety';

/**
 * Path and query values, checked before any other pipe reads them: no unpaired surrogate, control
 * or bidirectional control character, whatever the route (bodies are checked before routing, in
 * http-middleware.ts).
 */
@Injectable()
export class SafeTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'param' && metadata.type !== 'query') return value;
    const name = metadata.data ? printable(metadata.data) : '';
    const problem = findUnsafeText(value, name);
    if (!problem) return value;
    throw new DomainError('VALIDATION_FAILED', `${problem.detail}.`, { errors: [problem] });
  }
}
