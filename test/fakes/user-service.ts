import jwt from 'jsonwebtoken';
import { TEST_SECRET } from '../utils/tokens';
import {
  FakeHttpService,
  json,
  objectId,
  type FakeReply,
  type FakeRequest,
} from './product-service';

export interface FakeAddress {
  street: string;
  city: string;
  state: string;
  zipCode: string;
  country: string;
  isDefault: boolean;
}

export interface FakeUser {
  _id: string;
  email: string;
  firstName: string;
  lastName: string;
  role: 'customer' | 'admin';
  addresses: FakeAddress[];
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
  /** Plain text: only the fake's login compares it; it is never sent back. */
  password?: string;
}

export type PublicUser = Omit<FakeUser, 'password'>;

const SEVEN_DAYS = 7 * 24 * 3600;

export interface UserServiceOptions {
  secret?: string;
  users?: FakeUser[];
}

/**
 * The User Service's token and profile endpoints. `GET /api/users/me` decodes the bearer token
 * without verifying it: the fake serves the profile, the Order Service is what must verify.
 */
export class FakeUserService extends FakeHttpService {
  /** Keyed by userId (the token's `userId` claim). */
  users = new Map<string, FakeUser>();
  readonly secret: string;

  private constructor(secret: string) {
    super();
    this.secret = secret;
  }

  /** The fake, not listening yet: `up()` starts it (see FakeHttpService.start). */
  static create(options: UserServiceOptions = {}): FakeUserService {
    const fake = new FakeUserService(options.secret ?? TEST_SECRET);
    for (const user of options.users ?? []) fake.users.set(user._id, user);
    return fake;
  }

  /** Registers a user with sensible defaults for whatever `fields` leaves out. */
  addUser(userId: string = objectId(), fields: Partial<Omit<FakeUser, '_id'>> = {}): FakeUser {
    const now = new Date().toISOString();
    const firstName = fields.firstName ?? 'Jane';
    const lastName = fields.lastName ?? 'Doe';
    const user: FakeUser = {
      _id: userId,
      email: `${firstName}.${lastName}.${userId.slice(-6)}@example.com`.toLowerCase(),
      firstName,
      lastName,
      role: 'customer',
      addresses: [
        {
          street: '123 Main St',
          city: 'Springfield',
          state: 'IL',
          zipCode: '62701',
          country: 'USA',
          isDefault: true,
        },
      ],
      isActive: true,
      createdAt: now,
      updatedAt: now,
      ...fields,
    };
    this.users.set(userId, user);
    return user;
  }

  /** A token as this service's login would issue it for a registered user. */
  tokenFor(userId: string): string {
    const user = this.users.get(userId);
    if (!user) throw new Error(`unknown user ${userId}`);
    return this.sign(user);
  }

  protected route(req: FakeRequest): FakeReply {
    const path = req.segments.join('/');
    if (req.method === 'GET' && path === 'api/users/me') return this.me(req);
    if (req.method === 'POST' && path === 'api/auth/login') return this.login(req.body);
    return json(404, { message: 'Route not found' });
  }

  private me(req: FakeRequest): FakeReply {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const claims = match ? jwt.decode(match[1], { json: true }) : null;
    const userId: unknown = claims?.userId;
    if (typeof userId !== 'string') return json(401, { message: 'Invalid token' });
    const user = this.users.get(userId);
    return user ? json(200, publicUser(user)) : json(404, { message: 'User not found' });
  }

  private login(body: unknown): FakeReply {
    const { email, password } = (body ?? {}) as { email?: unknown; password?: unknown };
    const user =
      typeof email === 'string'
        ? [...this.users.values()].find((u) => u.email.toLowerCase() === email.toLowerCase())
        : undefined;
    if (!user || user.password === undefined || user.password !== password) {
      return json(401, { message: 'Invalid credentials' });
    }
    return json(200, {
      message: 'Login successful',
      token: this.sign(user),
      user: publicUser(user),
    });
  }

  private sign(user: FakeUser): string {
    return jwt.sign({ userId: user._id, email: user.email, role: user.role }, this.secret, {
      algorithm: 'HS256',
      expiresIn: SEVEN_DAYS,
    });
  }
}

function publicUser(user: FakeUser): PublicUser {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { password: _password, ...rest } = user;
  return rest;
}
