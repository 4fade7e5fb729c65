import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { useOrderService } from './utils/fixture';
import { expectProblem } from './utils/problem';
import { makeUser, objectId, signToken, TEST_SECRET } from './utils/tokens';

const LIST = '/api/orders';
const ADMIN_LIST = '/api/orders/all';

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = (extra: Record<string, unknown> = {}) => ({
  userId: objectId(),
  email: 'mallory@example.com',
  role: 'admin',
  iat: now(),
  exp: now() + 3600,
  ...extra,
});

// Generated once: an RSA key is slow to make and every RS256 case can share it.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

interface Case {
  name: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const valid = () => makeUser('admin').token;

const REJECTED: Case[] = [
  { name: 'no token' },
  { name: 'a malformed token', headers: bearer('not-a-jwt') },
  { name: 'three garbage segments', headers: bearer('abc.def.ghi') },
  { name: 'a token without the Bearer scheme', headers: { Authorization: valid() } },
  { name: 'Basic credentials', headers: { Authorization: 'Basic dXNlcjpwYXNzd29yZA==' } },
  {
    name: 'a token signed with another secret',
    headers: bearer(signToken({ role: 'admin' }, { secret: 'not-the-shared-secret' })),
  },
  {
    name: 'an unsigned token (alg: none)',
    headers: bearer(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`),
  },
  {
    name: 'alg: none with the signature of a real token',
    headers: bearer(
      `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.${valid().split('.')[2]}`,
    ),
  },
  {
    name: 'HS512 with the right secret (only HS256 is configured)',
    headers: bearer(signToken({ role: 'admin' }, { algorithm: 'HS512' })),
  },
  {
    name: 'RS256',
    headers: bearer(jwt.sign(claims(), privateKey, { algorithm: 'RS256' })),
  },
  {
    name: 'no exp claim',
    headers: bearer(signToken({ role: 'admin' }, { expiresIn: null })),
  },
  {
    name: 'an expired token',
    headers: bearer(
      jwt.sign(claims({ iat: now() - 8 * 24 * 3600, exp: now() - 60 }), TEST_SECRET, {
        algorithm: 'HS256',
      }),
    ),
  },
  { name: 'no userId claim', headers: bearer(signToken({ userId: undefined })) },
  { name: 'no email claim', headers: bearer(signToken({ email: undefined })) },
  { name: 'an empty userId', headers: bearer(signToken({ userId: '' })) },
  { name: 'a numeric userId', headers: bearer(signToken({ userId: 42 })) },
  { name: 'an email without @', headers: bearer(signToken({ email: 'jane.example.com' })) },
  { name: 'role "Admin"', headers: bearer(signToken({ role: 'Admin' })) },
  { name: 'role ["admin"]', headers: bearer(signToken({ role: ['admin'] })) },
  { name: 'role "superuser"', headers: bearer(signToken({ role: 'superuser' })) },
  { name: 'a valid token in ?token=', query: { token: valid() } },
  { name: 'a valid token in ?access_token=', query: { access_token: valid() } },
];

describe('authentication and roles', () => {
  const t = useOrderService();

  const matrix = REJECTED.flatMap((c) => [LIST, ADMIN_LIST].map((path) => ({ ...c, path })));

  it.each(matrix)('GET $path with $name → 401', async ({ path, headers, query }) => {
    const res = await t.http
      .get(path)
      .set(headers ?? {})
      .query(query ?? {});

    const body = expectProblem(res, 401, 'UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    // The query string (which may carry a token) is not echoed back.
    expect(body.instance).toBe(path);
    for (const secret of [...Object.values(headers ?? {}), ...Object.values(query ?? {})]) {
      const token = secret.replace(/^(Bearer|Basic) /, '');
      expect(JSON.stringify(body)).not.toContain(token);
    }
  });

  it('GET /api/orders/all with a customer token → 403', async () => {
    const customer = makeUser('customer');
    const res = await t.http.get(ADMIN_LIST).set(customer.auth);

    expectProblem(res, 403, 'FORBIDDEN');
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  const ACCEPTED = [
    { name: 'a customer token', path: LIST, token: () => makeUser('customer').token },
    {
      name: 'a token with no role claim (a customer)',
      path: LIST,
      token: () => signToken({ role: undefined }),
    },
    { name: 'an admin token', path: LIST, token: () => makeUser('admin').token },
    { name: 'an admin token', path: ADMIN_LIST, token: () => makeUser('admin').token },
  ];

  it.each(ACCEPTED)('GET $path with $name → 200', async ({ path, token }) => {
    const res = await t.http.get(path).set(bearer(token()));

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // A fresh database: nobody has ordered anything yet.
    expect(res.body).toEqual({
      orders: [],
      total: 0,
      page: 1,
      limit: 20,
      pages: expect.any(Number),
      next_cursor: null,
    });
  });
});
