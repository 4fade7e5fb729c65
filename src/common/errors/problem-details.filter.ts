import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from './domain-error';
import { codeForStatus, ERROR_CATALOG, ErrorCode } from './error-codes';
import { BODY_TOO_WIDE } from '../http-middleware';

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
  expose?: boolean;
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
  const parserStatus = parserError?.status ?? parserError?.statusCode ?? 500;
  // Refused by a check on the raw body (http-middleware.ts), which wrote the answer itself.
  const refusal = (exception as { refusal?: unknown } | undefined)?.refusal;
  if (parserError?.type === BODY_TOO_WIDE && refusal instanceof DomainError) return refusal;
  if (parserError?.type === 'entity.parse.failed') {
    return new DomainError('MALFORMED_JSON', 'The request body could not be parsed as JSON.');
  }
  if (parserError?.type === 'entity.too.large') {
    return new DomainError('PAYLOAD_TOO_LARGE', 'The request body is larger than 100 kB.');
  }
  if (parserError?.type && parserStatus === 415) {
    return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'The request body encoding is not supported.');
  }
  if (parserError?.type && parserStatus < 500) {
    return new DomainError('BAD_REQUEST', 'The request body could not be read.');
  }
  // http-errors style errors (e.g. a corrupt gzip body) carry a client status but no `type`.
  if (parserError?.expose === true && parserStatus >= 400 && parserStatus < 500) {
    return new DomainError(codeForStatus(parserStatus), 'The request could not be read.');
  }
  if (isDatabaseUnavailable(exception)) {
    return new DomainError('DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly.', {
      headers: { 'Retry-After': '1' },
    });
  }
  return new DomainError('INTERNAL', 'An unexpected error occurred.');
}

/** SQLSTATEs of a lost or refused connection, a server going down, or a query cut off. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300|57014)$/;
const UNAVAILABLE_ERRORS = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
  'CannotExecuteNotConnectedError',
]);

const UNAVAILABLE_MESSAGE =
  /Driver not Connected|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not currently accepting connections|the database system is (starting up|shutting down)|too many clients/;

/** The database, not the request, is at fault: 503, so clients and balancers retry. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, driverError } = error as Error & {
    code?: unknown;
    driverError?: { code?: unknown };
  };
  const sqlState = typeof driverError?.code === 'string' ? driverError.code : code;
  if (typeof sqlState === 'string' && UNAVAILABLE_SQLSTATE.test(sqlState)) return true;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(code)) {
    return true;
  }
  return UNAVAILABLE_ERRORS.has(error.name) || UNAVAILABLE_MESSAGE.test(error.message);
}

/** The one place where errors become HTTP: every error answers RFC 9457 problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.answer(exception, ctx.getRequest<FastifyRequest>(), ctx.getResponse<FastifyReply>());
  }

  /**
   * Logs what deserves it and answers problem+json. Also called for what the request pipeline
   * refuses before routing (app.setup.ts), which Nest's exception handling never sees.
   */
  answer(
    exception: unknown,
    request: Pick<FastifyRequest, 'method' | 'url'>,
    reply: FastifyReply,
  ): void {
    const error = toDomainError(exception);
    // The path only: a query string may carry what must not reach a log (?access_token=...).
    const path = (request.url ?? '').split('?')[0];
    if (error.code === 'DATABASE_UNAVAILABLE') {
      this.logger.warn(
        `${request.method} ${path}: database unavailable: ${(exception as Error).message}`,
      );
    } else if (error.status >= 500 && !(exception instanceof DomainError)) {
      this.logger.error(
        `${request.method} ${path} failed`,
        exception instanceof Error ? exception.stack : String(exception),
      );
    }
    if (reply.sent) return;
    for (const [name, value] of Object.entries(error.options.headers ?? {})) {
      reply.header(name, value);
    }
    void reply
      .status(error.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(toProblem(error, path)));
  }
}
