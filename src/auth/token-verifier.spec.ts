import type { IncomingHttpHeaders } from 'node:http';
import jwt from 'jsonwebtoken';
import type { AppConfig } from '../config/app.config';
import { TokenVerifier } from './token-verifier';

const SECRET = 'unit-test-secret-that-is-long-enough';
const USER_ID = '0123456789abcdef01234567';

const requestWith = (token: string) =>
  ({ headers: { authorization: `Bearer ${token}` } }) as unknown as {
    headers: IncomingHttpHeaders;
  };

const sign = (claims: object, expiresIn: number, secret = SECRET) =>
  jwt.sign({ userId: USER_ID, email: 'jane@example.com', ...claims }, secret, { expiresIn });

describe('TokenVerifier', () => {
  const verifier = () =>
    new TokenVerifier({ SECRET_KEY: SECRET, ALGORITHM: ['HS256'] } as unknown as AppConfig);

  afterEach(() => jest.useRealTimers());

  it('names the caller of a valid token, the same on every request', () => {
    const tokens = verifier();
    const token = sign({ role: 'admin' }, 3600);
    const verify = jest.spyOn(jwt, 'verify');
    expect(tokens.userOf(requestWith(token))).toEqual({
      userId: USER_ID,
      email: 'jane@example.com',
      role: 'admin',
    });
    expect(tokens.userOf(requestWith(token))).toEqual(tokens.userOf(requestWith(token)));
    // The signature is checked once; the token's text is then known to be valid.
    expect(verify).toHaveBeenCalledTimes(1);
    verify.mockRestore();
  });

  it('stops accepting a remembered token once it expires', () => {
    jest.useFakeTimers({ now: new Date('2026-11-30T12:00:00Z') });
    const tokens = verifier();
    const token = sign({}, 60);
    expect(tokens.userOf(requestWith(token))?.userId).toBe(USER_ID);
    jest.setSystemTime(new Date('2026-11-30T12:00:59Z'));
    expect(tokens.userOf(requestWith(token))?.userId).toBe(USER_ID);
    jest.setSystemTime(new Date('2026-11-30T12:01:00Z'));
    expect(tokens.userOf(requestWith(token))).toBeUndefined();
  });

  it('never accepts a token signed with another key or with bad claims, however often sent', () => {
    const tokens = verifier();
    const forged = sign({}, 3600, 'another-secret-that-is-long-enough');
    const badClaims = sign({ userId: 'not-a-mongo-id' }, 3600);
    for (let i = 0; i < 3; i++) {
      expect(tokens.userOf(requestWith(forged))).toBeUndefined();
      expect(tokens.userOf(requestWith(badClaims))).toBeUndefined();
    }
  });

  it('knows a caller only by a token it has verified, until it expires, with the token', () => {
    jest.useFakeTimers({ now: new Date('2026-11-30T12:00:00Z') });
    const tokens = verifier();
    const token = sign({ role: 'admin' }, 60);
    const verify = jest.spyOn(jwt, 'verify');
    expect(tokens.knownCaller(requestWith(token))).toBeUndefined();
    expect(verify).not.toHaveBeenCalled();
    tokens.userOf(requestWith(token));
    expect(tokens.knownCaller(requestWith(token))).toEqual({
      userId: USER_ID,
      email: 'jane@example.com',
      role: 'admin',
      token,
    });
    expect(verify).toHaveBeenCalledTimes(1);
    verify.mockRestore();
    jest.setSystemTime(new Date('2026-11-30T12:01:00Z'));
    expect(tokens.knownCaller(requestWith(token))).toBeUndefined();
    const forged = sign({}, 3600, 'another-secret-that-is-long-enough');
    tokens.userOf(requestWith(forged));
    expect(tokens.knownCaller(requestWith(forged))).toBeUndefined();
  });
});
