import { randomBytes } from 'node:crypto';
import jwt, { type SignOptions } from 'jsonwebtoken';

export const TEST_SECRET = 'e2e-test-secret-that-is-long-enough';

export const objectId = (): string => randomBytes(12).toString('hex');

export interface TokenClaims {
  userId?: unknown;
  email?: unknown;
  role?: unknown;
  [claim: string]: unknown;
}

/** A platform token as the User Service issues it: HS256, 7 days, claims userId/email/role. */
export function signToken(
  claims: TokenClaims = {},
  options: {
    secret?: string;
    algorithm?: SignOptions['algorithm'];
    expiresIn?: number | null;
  } = {},
): string {
  const payload: Record<string, unknown> = {
    userId: objectId(),
    email: 'jane.doe@example.com',
    role: 'customer',
    ...claims,
  };
  for (const key of Object.keys(payload)) {
    if (payload[key] === undefined) delete payload[key];
  }
  const expiresIn = options.expiresIn === undefined ? 7 * 24 * 3600 : options.expiresIn;
  return jwt.sign(payload, options.secret ?? TEST_SECRET, {
    algorithm: options.algorithm ?? 'HS256',
    ...(expiresIn === null ? {} : { expiresIn }),
  });
}

export interface TestUser {
  userId: string;
  email: string;
  role: 'customer' | 'admin';
  token: string;
  auth: { Authorization: string };
}

export function makeUser(role: 'customer' | 'admin' = 'customer', email?: string): TestUser {
  const userId = objectId();
  const mail = email ?? `${role}.${userId.slice(-6)}@example.com`;
  const token = signToken({ userId, email: mail, role });
  return { userId, email: mail, role, token, auth: { Authorization: `Bearer ${token}` } };
}
