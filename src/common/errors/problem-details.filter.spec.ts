import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ArgumentsHost,
  BadRequestException,
  ConflictException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  InternalServerErrorException,
  Logger,
  MethodNotAllowedException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { DomainError } from './domain-error';
import { ERROR_CATALOG } from './error-codes';
import {
  PROBLEM_CONTENT_TYPE,
  ProblemDetailsFilter,
  toDomainError,
  toProblem,
} from './problem-details.filter';

/** What Express' body parser (via http-errors) throws: an Error with `type`, `status`, `body`. */
function bodyParserError(type: string, status: number, message: string, body?: string): Error {
  const error = Object.assign(status === 400 ? new SyntaxError(message) : new Error(message), {
    type,
    status,
    statusCode: status,
    expose: status < 500,
    ...(body === undefined ? {} : { body }),
  });
  return error;
}

const SECRET_TEXT = 'relation "orders" does not exist: SELECT * FROM orders WHERE password=hunter2';

describe('toDomainError', () => {
  it('passes a DomainError through unchanged', () => {
    const error = new DomainError('INSUFFICIENT_STOCK', 'Only 2 left.');

    expect(toDomainError(error)).toBe(error);
  });

  describe('body-parser errors', () => {
    it('entity.parse.failed → 400 MALFORMED_JSON, without the parser message or the body', () => {
      const raw = '{"items": [ oops';
      const error = toDomainError(
        bodyParserError(
          'entity.parse.failed',
          400,
          `Unexpected token o in JSON at position 12`,
          raw,
        ),
      );

      expect(error).toMatchObject({ code: 'MALFORMED_JSON', status: 400 });
      expect(error.detail).not.toMatch(/Unexpected token|position|oops/);
    });

    it('entity.too.large → 413 PAYLOAD_TOO_LARGE', () => {
      const error = toDomainError(
        bodyParserError('entity.too.large', 413, 'request entity too large'),
      );

      expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
    });

    it.each([
      ['charset.unsupported', 415, 'unsupported charset "KOI8-R"'],
      ['encoding.unsupported', 415, 'unsupported content encoding "br"'],
      ['request.aborted', 400, 'request aborted'],
      ['request.size.invalid', 400, 'request size did not match content length'],
    ])('%s (%i) → a 4xx problem that does not echo the parser', (type, status, message) => {
      const error = toDomainError(bodyParserError(type, status, message));

      expect(error.status).toBeGreaterThanOrEqual(400);
      expect(error.status).toBeLessThan(500);
      expect(error.detail).not.toContain(message);
    });

    it('a body-parser failure of its own (5xx) → 500 INTERNAL', () => {
      const error = toDomainError(
        bodyParserError('stream.not.readable', 500, 'stream is not readable'),
      );

      expect(error).toMatchObject({ code: 'INTERNAL', status: 500 });
    });
  });

  describe('HttpException', () => {
    it.each([
      [new BadRequestException('page must be a number'), 'BAD_REQUEST', 400],
      [new UnauthorizedException(), 'UNAUTHORIZED', 401],
      [new ForbiddenException(), 'FORBIDDEN', 403],
      [new NotFoundException(), 'NOT_FOUND', 404],
      [new MethodNotAllowedException(), 'METHOD_NOT_ALLOWED', 405],
      [new ConflictException(), 'CONFLICT', 409],
      [new PayloadTooLargeException(), 'PAYLOAD_TOO_LARGE', 413],
      [new UnprocessableEntityException(), 'UNPROCESSABLE', 422],
      [new HttpException('slow down', HttpStatus.TOO_MANY_REQUESTS), 'TOO_MANY_REQUESTS', 429],
      [new InternalServerErrorException(), 'INTERNAL', 500],
      [new ServiceUnavailableException(), 'SERVICE_UNAVAILABLE', 503],
    ])('%p → %s', (exception, code, status) => {
      const error = toDomainError(exception);

      expect({ code: error.code, status: error.status }).toEqual({ code, status });
      expect(ERROR_CATALOG[error.code].status).toBe(status);
    });

    it('keeps the message of a plain 4xx (it was written for the client)', () => {
      expect(toDomainError(new BadRequestException('page must be a number')).detail).toBe(
        'page must be a number',
      );
    });

    it('401 carries WWW-Authenticate: Bearer and a fixed detail', () => {
      const error = toDomainError(new UnauthorizedException('jwt malformed at segment 2'));

      expect(error.options.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
      expect(error.detail).not.toContain('jwt malformed');
    });

    it('404 and 403 use fixed details (no existence or rule hints)', () => {
      expect(toDomainError(new NotFoundException('Cannot GET /api/secret')).detail).not.toContain(
        '/api/secret',
      );
      expect(toDomainError(new ForbiddenException('needs role admin')).detail).not.toContain(
        'admin',
      );
    });

    it('a 5xx HttpException does not leak its message', () => {
      const error = toDomainError(new InternalServerErrorException(SECRET_TEXT));

      expect(error.code).toBe('INTERNAL');
      expect(error.detail).not.toContain('hunter2');
      expect(error.detail).not.toContain('SELECT');
    });

    it('an unusual status still answers a problem with a 4xx/5xx status', () => {
      const error = toDomainError(new HttpException('teapot', 418));

      expect(error.status).toBeGreaterThanOrEqual(400);
      expect(error.status).toBeLessThan(500);
    });
  });

  describe('anything else', () => {
    it.each([
      ['an Error with SQL in it', new Error(SECRET_TEXT)],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
      ['a thrown string', SECRET_TEXT],
      ['null', null],
      ['undefined', undefined],
      ['a plain object', { message: SECRET_TEXT, stack: 'at x (/src/y.ts:1:1)' }],
    ])('%s → 500 INTERNAL without its message', (_label, thrown) => {
      const error = toDomainError(thrown);

      expect({ code: error.code, status: error.status }).toEqual({ code: 'INTERNAL', status: 500 });
      expect(error.detail).not.toMatch(/hunter2|SELECT|Cannot read|\/src\//);
      expect(error.options.errors).toBeUndefined();
    });
  });
});

describe('toProblem', () => {
  it('builds the RFC 9457 document from the catalogue', () => {
    const problem = toProblem(
      new DomainError('VALIDATION_FAILED', 'total should not exist', {
        errors: [{ field: 'total', detail: 'property total should not exist' }],
        extensions: { hint: 'remove it' },
      }),
      '/api/orders',
    );

    expect(problem).toEqual({
      type: expect.stringMatching(/validation-failed$/),
      title: ERROR_CATALOG.VALIDATION_FAILED.title,
      status: 400,
      detail: 'total should not exist',
      code: 'VALIDATION_FAILED',
      instance: '/api/orders',
      errors: [{ field: 'total', detail: 'property total should not exist' }],
      hint: 'remove it',
    });
  });

  it('omits instance and errors when there are none', () => {
    expect(Object.keys(toProblem(new DomainError('NOT_FOUND', 'No such order.')))).toEqual([
      'type',
      'title',
      'status',
      'detail',
      'code',
    ]);
  });
});

describe('ProblemDetailsFilter', () => {
  function host(headersSent = false) {
    const response = {
      sent: headersSent,
      header: jest.fn(),
      status: jest.fn(),
      type: jest.fn(),
      send: jest.fn(),
    };
    response.status.mockReturnValue(response);
    response.type.mockReturnValue(response);
    const request = {
      method: 'GET',
      url: '/api/orders?token=abc',
      originalUrl: '/api/orders?token=abc',
    };
    const argumentsHost = {
      switchToHttp: () => ({ getResponse: () => response, getRequest: () => request }),
    } as unknown as ArgumentsHost;
    return { response, argumentsHost };
  }

  let logError: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    logError.mockRestore();
  });

  it('answers problem+json with the status, headers and an instance without the query', () => {
    const { response, argumentsHost } = host();

    new ProblemDetailsFilter().catch(new UnauthorizedException(), argumentsHost);

    expect(response.status).toHaveBeenCalledWith(401);
    expect(response.type).toHaveBeenCalledWith(PROBLEM_CONTENT_TYPE);
    expect(response.header).toHaveBeenCalledWith('WWW-Authenticate', 'Bearer');
    const body = JSON.parse(response.send.mock.calls[0][0] as string);
    expect(body).toMatchObject({ status: 401, code: 'UNAUTHORIZED', instance: '/api/orders' });
    expect(logError).not.toHaveBeenCalled();
  });

  it('logs an unexpected error with its stack but answers without it', () => {
    const { response, argumentsHost } = host();
    const boom = new Error(SECRET_TEXT);

    new ProblemDetailsFilter().catch(boom, argumentsHost);

    expect(response.status).toHaveBeenCalledWith(500);
    const sent = response.send.mock.calls[0][0] as string;
    expect(sent).not.toContain('hunter2');
    expect(sent).not.toMatch(/\bat /);
    expect(logError).toHaveBeenCalledWith(expect.any(String), boom.stack);
  });

  it('does not log a DomainError the code raised on purpose', () => {
    const { argumentsHost } = host();

    new ProblemDetailsFilter().catch(
      new DomainError('PRODUCT_SERVICE_UNAVAILABLE', 'Try again later.'),
      argumentsHost,
    );

    expect(logError).not.toHaveBeenCalled();
  });

  it('writes nothing once the headers are sent', () => {
    const { response, argumentsHost } = host(true);

    new ProblemDetailsFilter().catch(new Error('late'), argumentsHost);

    expect(response.status).not.toHaveBeenCalled();
    expect(response.send).not.toHaveBeenCalled();
  });
});

describe('the documented error codes', () => {
  it('README.md lists every code of the catalogue, with its status', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const section = /^## Errors\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
    const documented = Object.fromEntries(
      [...section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );

    const catalogue = Object.fromEntries(
      Object.entries(ERROR_CATALOG).map(([code, { status }]) => [code, status as number]),
    );
    expect(documented).toEqual(catalogue);
  });
});
