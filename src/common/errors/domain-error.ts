import { ERROR_CATALOG, ErrorCode } from './error-codes';

export interface FieldProblem {
  field: string;
  detail: string;
}

export interface DomainErrorOptions {
  errors?: FieldProblem[];
  /** Extra members of the problem document (RFC 9457 extensions), e.g. `current_status`. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * An error the client is meant to see: a stable code and a human-readable detail. The HTTP shape
 * is decided once, in ProblemDetailsFilter.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly options: DomainErrorOptions = {},
  ) {
    super(detail);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}
