import { ArgumentsHost, Logger } from '@nestjs/common';
import { ProblemDetailsFilter } from './problem-details.filter';

// The log line of a failed request names its path, never its query string: a client that sends
// its token as ?access_token= must not find it in the logs.

function hostFor(url: string) {
  const response = {
    sent: false,
    header: jest.fn(),
    status: jest.fn(),
    type: jest.fn(),
    send: jest.fn(),
  };
  response.status.mockReturnValue(response);
  response.type.mockReturnValue(response);
  const request = { method: 'GET', url, originalUrl: url };
  return {
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => request }),
  } as unknown as ArgumentsHost;
}

describe('ProblemDetailsFilter log lines', () => {
  const SECRET = 'eyJhbGciOiJIUzI1NiJ9.secret-token.sig';
  let error: jest.SpyInstance;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    error.mockRestore();
    warn.mockRestore();
  });

  it('an unexpected error is logged with the path only', () => {
    new ProblemDetailsFilter().catch(
      new Error('boom'),
      hostFor(`/api/orders?access_token=${SECRET}&page=2`),
    );

    expect(error).toHaveBeenCalledTimes(1);
    const [message] = error.mock.calls[0] as [string];
    expect(message).toBe('GET /api/orders failed');
    expect(JSON.stringify(error.mock.calls)).not.toContain(SECRET);
  });

  it('a database outage is logged with the path only', () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    new ProblemDetailsFilter().catch(outage, hostFor(`/api/orders/all?access_token=${SECRET}`));

    expect(warn).toHaveBeenCalledTimes(1);
    const [message] = warn.mock.calls[0] as [string];
    expect(message).toMatch(/^GET \/api\/orders\/all: database unavailable/);
    expect(message).not.toContain(SECRET);
  });
});
