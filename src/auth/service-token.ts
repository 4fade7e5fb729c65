import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AppConfig } from '../config/app.config';

/** How long a token the service signs for itself stays valid: one neighbour call and retries. */
const LIFETIME_SECONDS = 300;

/**
 * A token in the platform's own shape, signed with the shared secret, for calls the service
 * makes on an order owner's behalf when no person's request carries one (a relay retrying a
 * stock confirmation, a job). The neighbour sees the order's owner, as it would for the owner.
 */
export function signOwnerToken(
  config: Pick<AppConfig, 'SECRET_KEY' | 'ALGORITHM'>,
  owner: { userId: string; email: string },
): string {
  return jwt.sign(
    { userId: owner.userId, email: owner.email, role: 'customer' },
    // As a key object: jsonwebtoken tries a string as a PEM private key first, and that failed
    // attempt costs a third of a millisecond per token (as in TokenVerifier).
    createSecretKey(Buffer.from(config.SECRET_KEY, 'utf8')),
    {
      algorithm: config.ALGORITHM[0],
      expiresIn: LIFETIME_SECONDS,
    },
  );
}
