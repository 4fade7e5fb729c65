/**
 * Prints a platform token for local testing, signed the way the User Service signs them.
 *
 *   npm run -s token -- --role admin --user-id 64b7f0c2a1b2c3d4e5f60718 --email a@b.c
 *
 * Uses SECRET_KEY and the first ALGORITHM from the environment (and .env), so the token is one
 * the locally running service accepts.
 */
import 'dotenv/config';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';
import { ROLES, type Role } from '../src/auth/auth-user';
import { ConfigValidationError, validateEnvironment } from '../src/config/environment';

const USAGE = `Usage: npm run -s token -- [--role customer|admin] [--user-id <24 hex>] [--email <address>] [--expires-in <seconds|zeit/ms span, e.g. 7d>]`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function main(): void {
  let args;
  try {
    args = parseArgs({
      options: {
        role: { type: 'string', default: 'customer' },
        'user-id': { type: 'string' },
        email: { type: 'string', default: 'dev@example.com' },
        'expires-in': { type: 'string', default: '7d' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }

  // A token minted from a shell is a back door; production tokens come from the User Service only.
  // Checked before validation so that this, not a missing SECRET_KEY, is what the operator reads.
  if (process.env.NODE_ENV?.trim() === 'production') {
    fail('Refusing to mint a token with NODE_ENV=production: log in through the User Service.');
  }
  let env;
  try {
    env = validateEnvironment(process.env);
  } catch (error) {
    if (error instanceof ConfigValidationError) fail(error.message);
    throw error;
  }

  const role = args.role;
  if (!(ROLES as readonly string[]).includes(role)) {
    fail(`--role must be one of ${ROLES.join(', ')} (got "${role}")`);
  }
  const userId = args['user-id'] ?? randomBytes(12).toString('hex');
  if (!/^[0-9a-f]{24}$/.test(userId)) {
    fail(`--user-id must be a 24-hex MongoDB id in lower case (got "${userId}")`);
  }
  const email = args.email;
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) fail(`--email must be an email address (got "${email}")`);
  const expiresIn = /^\d+$/.test(args['expires-in'])
    ? Number(args['expires-in'])
    : (args['expires-in'] as jwt.SignOptions['expiresIn']);

  // Exactly the User Service's claims: no sub, iss, aud or name.
  let token: string;
  try {
    token = jwt.sign({ userId, email, role: role as Role }, env.SECRET_KEY, {
      algorithm: env.ALGORITHM[0],
      expiresIn,
    });
  } catch (error) {
    fail(`Cannot sign the token: ${(error as Error).message}`);
  }
  console.log(token);
}

main();
