import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import {
  ConfigValidationError,
  DEFAULT_SECRET_KEY,
  Environment,
  validateEnvironment,
} from './environment';

/** The error validateEnvironment throws for `raw`, or a failure if it accepts it. */
function rejection(raw: Record<string, string | undefined>): ConfigValidationError {
  try {
    validateEnvironment(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return error as ConfigValidationError;
  }
  throw new Error(`validateEnvironment accepted ${JSON.stringify(raw)}`);
}

describe('validateEnvironment', () => {
  it('gives a developer machine working defaults', () => {
    const env = validateEnvironment({});

    expect(env).toEqual(
      expect.objectContaining({
        NODE_ENV: 'development',
        PORT: 8000,
        DATABASE_URL: undefined,
        MIGRATIONS_RUN: true,
        SECRET_KEY: DEFAULT_SECRET_KEY,
        ALGORITHM: ['HS256'],
        PRODUCT_SERVICE_URL: undefined,
      }),
    );
  });

  it('converts numbers and booleans from their string form', () => {
    const env = validateEnvironment({ PORT: '3000', DEBUG: 'yes', MIGRATIONS_RUN: 'false' });

    expect(env).toEqual(
      expect.objectContaining({ PORT: 3000, DEBUG: true, MIGRATIONS_RUN: false }),
    );
  });

  it('treats an empty value as unset', () => {
    const env = validateEnvironment({ DATABASE_URL: '', PRODUCT_SERVICE_URL: '  ' });

    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PRODUCT_SERVICE_URL).toBeUndefined();
  });

  it('ignores variables it does not know', () => {
    expect(() => validateEnvironment({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it('rejects PORT=abc with a ConfigValidationError naming PORT', () => {
    const error = rejection({ PORT: 'abc' });

    expect(error.message).toMatch(/\bPORT\b/);
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems.every((p) => p.startsWith('PORT'))).toBe(true);
  });

  it.each([['-1'], ['65536'], ['80.5'], ['8000abc']])('rejects PORT=%j', (port) => {
    expect(rejection({ PORT: port }).message).toMatch(/\bPORT\b/);
  });

  it('names every bad variable at once', () => {
    const error = rejection({
      PORT: 'abc',
      DATABASE_URL: 'mysql://user@host/db',
      DEBUG: 'maybe',
      ALGORITHM: 'RS256',
      PRODUCT_SERVICE_URL: 'not a url',
      TAX_RATE: '8',
      NODE_ENV: 'staging',
    });

    for (const name of [
      'PORT',
      'DATABASE_URL',
      'DEBUG',
      'ALGORITHM',
      'PRODUCT_SERVICE_URL',
      'TAX_RATE',
      'NODE_ENV',
    ]) {
      expect(error.message).toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it.each([
    ['without SECRET_KEY', {}],
    ['with the default SECRET_KEY', { SECRET_KEY: DEFAULT_SECRET_KEY }],
    ['with an empty SECRET_KEY', { SECRET_KEY: '' }],
  ])('refuses NODE_ENV=production %s', (_label, extra: Record<string, string>) => {
    const error = rejection({ NODE_ENV: 'production', ...extra });

    expect(error.message).toMatch(/\bSECRET_KEY\b/);
  });

  it('accepts NODE_ENV=production with a real SECRET_KEY', () => {
    const secret = 's3cr3t-from-vault-7d1f0c9e2b8a4f6d';
    const env = validateEnvironment({ NODE_ENV: 'production', SECRET_KEY: secret });

    expect(env.SECRET_KEY).toBe(secret);
  });

  it('accepts a comma-separated ALGORITHM list', () => {
    expect(validateEnvironment({ ALGORITHM: 'HS256,HS512' }).ALGORITHM).toEqual(['HS256', 'HS512']);
    expect(validateEnvironment({ ALGORITHM: ' hs384 , HS256 ' }).ALGORITHM).toEqual([
      'HS384',
      'HS256',
    ]);
  });

  it.each([['none'], ['RS256'], ['HS256,none']])('rejects ALGORITHM=%s', (algorithm) => {
    expect(rejection({ ALGORITHM: algorithm }).message).toMatch(/\bALGORITHM\b/);
  });

  it.each([['postgres://u:p@h:5432/db'], ['postgresql://h/db']])(
    'accepts DATABASE_URL=%s',
    (url) => {
      expect(validateEnvironment({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    },
  );
});

describe('the documented settings', () => {
  const root = join(__dirname, '..', '..');
  const known = Object.keys(new Environment()).sort();

  it('.env.example lists every variable, and its active lines are the defaults', () => {
    const text = readFileSync(join(root, '.env.example'), 'utf8');
    const listed = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

    expect([...new Set(listed)].sort()).toEqual(known);
    const active = parse(text);
    expect(validateEnvironment(active)).toEqual(validateEnvironment({}));
  });

  it('README.md describes every variable in its table', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const text = /^## Configuration\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
    const documented = [...text.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((m) => m[1]);

    expect([...new Set(documented)].sort()).toEqual(known);
  });
});
