import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from './domain-error';
import { codeForStatus, ERROR_CATALOG, ErrorCode } from './error-codes';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: { field: string; detail: string }[];
  [extension: string]: unknown;
}

/** Errors raised by Express' body parser carry a `type` of their own. */
interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
}

function problemType(code: ErrorCode): string {
  return `urn:problem:order-service:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function toProblem(error: DomainError, instance?: string): ProblemDocument {
  const { title, status } = ERROR_CATALOG[error.code];
  return {
    type: problemType(error.code),
    title,
    status,
    detail: error.detail,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(error.options.errors ? { errors: error.options.errors } : {}),
    ...error.options.extensions,
  };
}

/** Turns whatever was thrown into a DomainError that is safe to show: no stack, SQL or library text. */
export function toDomainError(exception: unknown): DomainError {
  if (exception instanceof DomainError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = codeForStatus(status);
    const headers: Record<string, string> = {};
    if (status === HttpStatus.UNAUTHORIZED) headers['WWW-Authenticate'] = 'Bearer';
    const detail =
      status === HttpStatus.NOT_FOUND
        ? 'No such resource.'
        : status === HttpStatus.UNAUTHORIZED
          ? 'A valid bearer token is required.'
          : status === HttpStatus.FORBIDDEN
            ? 'Your role does not allow this.'
            : status < 500
              ? exception.message
              : ERROR_CATALOG[code].title;
    return new DomainError(code, detail, { headers });
  }
  const parserError = exception as BodyParserError | undefined;
  if (parserError?.type === 'entity.parse.failed') {
    return new DomainError('MALFORMED_JSON', 'The request body could not be parsed as JSON.');
  }
  if (parserError?.type === 'entity.too.large') {
    return new DomainError('PAYLOAD_TOO_LARGE', 'The request body is larger than 100 kB.');
  }
  const parserStatus = parserError?.status ?? parserError?.statusCode ?? 500;
  if (parserError?.type && parserStatus === 415) {
    return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'The request body encoding is not supported.');
  }
  if (parserError?.type && parserStatus < 500) {
    return new DomainError('BAD_REQUEST', 'The request body could not be read.');
  }
  return new DomainError('INTERNAL', 'An unexpected error occurred.');
}

/** The one place where errors become HTTP: every error answers RFC 9457 problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const request = ctx.getRequest<Request>();
    const error = toDomainError(exception);
    if (error.status >= 500 && !(exception instanceof DomainError)) {
      this.logger.error(
        `${request.method} ${request.url} failed`,
        exception instanceof Error ? exception.stack : String(exception),
      );
    }
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(error.options.headers ?? {})) {
      response.setHeader(name, value);
    }
    response
      .status(error.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(toProblem(error, request.originalUrl?.split('?')[0])));
  }
}
