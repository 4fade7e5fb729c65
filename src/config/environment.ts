import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MinLength,
  Max,
  Min,
  validateSync,
  ValidationError,
} from 'class-validator';
import { PACKAGE_VERSION } from './package-version';

export const DEFAULT_SECRET_KEY = 'dev-secret-change-me';
/**
 * Secrets published in the platform's repositories (this service's default, the previous Order
 * Service's and the User Service's): anyone could sign tokens with them.
 */
export const KNOWN_DEFAULT_SECRETS = [
  DEFAULT_SECRET_KEY,
  'your-super-secret-jwt-key-change-this',
  'your-secret-key-change-in-production',
];
/** 32 characters: 256 bits of HS256 key for a random hex or base64 secret. */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;
const SUPPORTED_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type JwtAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  return value;
};

// Empty strings in an env file mean "not set", not "the empty value".
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const toNumber = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string' || value.trim() === '') return value;
  const n = Number(value);
  return Number.isNaN(n) ? value : n;
};

const httpUrl = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Every setting of the service. Defaults are the values an order service can run with on a
 * developer's machine; production overrides them through the environment.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString() @IsNotEmpty() APP_NAME = 'Order Service';
  @IsString() @IsNotEmpty() APP_VERSION = PACKAGE_VERSION;

  @Transform(toBoolean) @IsBoolean() DEBUG = false;

  @Transform(toNumber) @IsInt() @Min(0) @Max(65535) PORT = 8000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /**
   * Streaming replicas for reads that may be a little stale (lists, search, export, history),
   * comma-separated postgres:// URLs; none by default.
   */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean)
      : value,
  )
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    each: true,
    message: 'DATABASE_REPLICA_URLS must be a comma-separated list of postgres:// URLs',
  })
  DATABASE_REPLICA_URLS: string[] = [];
  /** A replica further behind the primary than this many seconds is not read from. */
  @Transform(toNumber) @IsNumber() @Min(0) REPLICA_MAX_LAG_S = 5;

  @IsString() @IsNotEmpty() EMBEDDED_DB_DIR = './.data/pg';
  @Transform(toNumber) @IsInt() @Min(1) @Max(500) DB_POOL_SIZE = 10;
  @Transform(toNumber) @IsInt() @Min(0) DB_STATEMENT_TIMEOUT_MS = 15000;
  @Transform(toNumber) @IsInt() @Min(100) DB_CONNECT_TIMEOUT_MS = 5000;
  @Transform(toBoolean) @IsBoolean() MIGRATIONS_RUN = true;

  @IsString() @IsNotEmpty() SECRET_KEY = DEFAULT_SECRET_KEY;

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.split(',').map((a) => a.trim().toUpperCase()) : value,
  )
  @IsIn(SUPPORTED_ALGORITHMS, {
    each: true,
    message: `ALGORITHM must be a comma-separated list of ${SUPPORTED_ALGORITHMS.join(', ')}`,
  })
  ALGORITHM: JwtAlgorithm[] = ['HS256'];

  @Transform(emptyToUndefined) @IsOptional() @IsUrl(httpUrl) USER_SERVICE_URL?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsUrl(httpUrl) PRODUCT_SERVICE_URL?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsUrl(httpUrl) INVENTORY_SERVICE_URL?: string;

  /** NATS with JetStream, for order events. Unset: events stay in the outbox, none is published. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(nats|tls):\/\/\S+(,\s*(nats|tls):\/\/\S+)*$/, {
    message: 'NATS_URL must be a nats:// or tls:// URL (several: comma-separated)',
  })
  NATS_URL?: string;
  /** The JetStream stream capturing `orders.>`; created at start-up when missing. */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, {
    message: 'NATS_STREAM must be a stream name: letters, digits, - and _ (at most 64)',
  })
  NATS_STREAM = 'ORDERS';
  /** Published outbox rows are deleted after this many hours. */
  @Transform(toNumber) @IsInt() @Min(1) OUTBOX_RETENTION_HOURS = 72;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  /** json or pretty; unset: pretty on a terminal outside production (or with DEBUG), else json. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: 'json' | 'pretty';

  /** Serve /metrics on this port instead of the API's, so it is not exposed with the API. */
  @Transform(emptyToUndefined)
  @Transform(toNumber)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  /** Comma-separated origins allowed by CORS; none by default. */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean)
      : value,
  )
  @IsUrl({ require_tld: false, require_protocol: true }, { each: true })
  CORS_ORIGINS: string[] = [];

  /** Fastify's (and Express') `trustProxy`: false, true, a hop count, or addresses/subnets. */
  @Matches(/^(true|false|\d{1,2}|[0-9a-fA-F.:/, ]+|loopback|linklocal|uniquelocal)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or addresses/subnets',
  })
  TRUST_PROXY = 'false';

  // Rate limits, per window of RATE_LIMIT_WINDOW_MS.
  @Transform(toNumber) @IsInt() @Min(1000) RATE_LIMIT_WINDOW_MS = 60000;
  @Transform(toNumber) @IsInt() @Min(1) RATE_LIMIT_PER_USER = 300;
  @Transform(toNumber) @IsInt() @Min(1) RATE_LIMIT_PER_IP = 120;
  @Transform(toNumber) @IsInt() @Min(1) RATE_LIMIT_ORDER_CREATION = 30;

  @Transform(emptyToUndefined) @IsOptional() @IsUrl(httpUrl) OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  @IsString() @IsNotEmpty() OTEL_SERVICE_NAME = 'order-service';

  /** Headers and body of a request must have arrived by then; a slower client is cut with 408. */
  @Transform(toNumber) @IsInt() @Min(1000) REQUEST_TIMEOUT_MS = 30000;
  /** Open connections beyond this are closed as they arrive. */
  @Transform(toNumber) @IsInt() @Min(1) MAX_CONNECTIONS = 1000;

  @Transform(toNumber) @IsInt() @Min(0) SHUTDOWN_TIMEOUT_MS = 10000;
  /** After SIGTERM, how long to keep serving with readiness at 503 before closing the server. */
  @Transform(toNumber) @IsInt() @Min(0) SHUTDOWN_DRAIN_MS = 0;
  @Transform(toNumber) @IsInt() @Min(100) HEALTH_DB_TIMEOUT_MS = 1500;

  // The Product Service: per call, for all of one order's look-ups, retries, breaker, concurrency.
  @Transform(toNumber) @IsInt() @Min(50) PRODUCT_SERVICE_TIMEOUT_MS = 2000;
  @Transform(toNumber) @IsInt() @Min(50) PRODUCT_SERVICE_DEADLINE_MS = 5000;
  @Transform(toNumber) @IsInt() @Min(0) @Max(5) PRODUCT_SERVICE_RETRIES = 2;
  @Transform(toNumber) @IsInt() @Min(1) PRODUCT_SERVICE_RETRY_BASE_MS = 100;
  @Transform(toNumber) @IsInt() @Min(1) PRODUCT_SERVICE_MAX_CONCURRENT = 32;
  @Transform(toNumber) @IsInt() @Min(1) @Max(100) PRODUCT_SERVICE_BREAKER_ERROR_PERCENT = 50;
  @Transform(toNumber) @IsInt() @Min(1) PRODUCT_SERVICE_BREAKER_VOLUME = 10;
  @Transform(toNumber) @IsInt() @Min(100) PRODUCT_SERVICE_BREAKER_RESET_MS = 10000;

  @Transform(toNumber) @IsInt() @Min(50) USER_SERVICE_TIMEOUT_MS = 800;
  @Transform(toNumber) @IsInt() @Min(0) USER_NAME_CACHE_TTL_MS = 60000;

  @Transform(toNumber) @IsInt() @Min(50) INVENTORY_SERVICE_TIMEOUT_MS = 3000;
  @Transform(toNumber) @IsInt() @Min(1) @Max(1440) RESERVATION_MINUTES = 15;

  @Transform(toNumber) @IsInt() @Min(24) IDEMPOTENCY_TTL_HOURS = 24;

  /**
   * Secrets the Payment Service signs its webhook with, comma-separated: during a rotation both
   * the old and the new one are accepted. None: the webhook does not exist (404).
   */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value,
  )
  @IsString({ each: true })
  @MinLength(16, {
    each: true,
    message: 'PAYMENT_WEBHOOK_SECRET: each secret must be at least 16 characters',
  })
  PAYMENT_WEBHOOK_SECRET: string[] = [];

  /** How far a webhook signature's time may be from now before it is refused as a replay. */
  @Transform(toNumber) @IsInt() @Min(1) @Max(86400) PAYMENT_WEBHOOK_TOLERANCE_S = 300;

  /** A pending order not paid within this many minutes is cancelled; unset: never. */
  @Transform(emptyToUndefined)
  @Transform(toNumber)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(525600)
  ORDER_PAYMENT_TIMEOUT_MINUTES?: number;

  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) TAX_RATE = 0.08;
  @Transform(toNumber) @IsNumber({ maxDecimalPlaces: 2 }) @Min(0) SHIPPING_FEE = 10;
  @Transform(toNumber) @IsNumber({ maxDecimalPlaces: 2 }) @Min(0) FREE_SHIPPING_THRESHOLD = 100;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Values that may carry credentials are never echoed back into a log. */
const SECRET_LIKE = /(_URLS?|SECRET|KEY|PASSWORD|TOKEN)$/;

/** One line per bad variable: its first broken rule, and the value when it is safe to show. */
function describe(error: ValidationError): string[] {
  const [message] = Object.values(error.constraints ?? {});
  if (!message) return [];
  const got =
    typeof error.value === 'string' && !SECRET_LIKE.test(error.property)
      ? ` (got "${error.value}")`
      : '';
  return [(message.startsWith(error.property) ? message : `${error.property}: ${message}`) + got];
}

/** Validates raw environment variables; throws one error that names every bad variable. */
export function validateEnvironment(raw: Record<string, string | undefined>): Environment {
  const known = Object.keys(new Environment());
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && known.includes(key)) input[key] = value;
  }
  const env = plainToInstance(Environment, input, { exposeDefaultValues: true });
  const problems = validateSync(env, { whitelist: false }).flatMap(describe);
  if (
    env.NODE_ENV === 'production' &&
    typeof env.SECRET_KEY === 'string' &&
    (KNOWN_DEFAULT_SECRETS.includes(env.SECRET_KEY.trim()) ||
      env.SECRET_KEY.length < MIN_PRODUCTION_SECRET_LENGTH)
  ) {
    problems.push(
      `SECRET_KEY must be set to a real secret of at least ${MIN_PRODUCTION_SECRET_LENGTH} characters ` +
        'when NODE_ENV=production (not a published default)',
    );
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}
