import { pgbenchSafe } from './ceiling';

// pgbench reads every `:name` in a script as one of its variables, even inside quotes.
describe('statements made safe for a pgbench script', () => {
  it('spells colons in string constants as \\x3a in an E string, the same value', () => {
    expect(pgbenchSafe(`SELECT to_char(now(), 'HH24:MI:SS')`)).toBe(
      `SELECT to_char(now(), E'HH24\\x3aMI\\x3aSS')`,
    );
  });

  it('doubles the backslashes of a constant it turns into an E string', () => {
    expect(pgbenchSafe(String.raw`SELECT 'a\b:c'`)).toBe(String.raw`SELECT E'a\\b\x3ac'`);
  });

  it('keeps doubled quotes inside a constant, and constants without colons as they are', () => {
    expect(pgbenchSafe(`SELECT 'it''s: here', 'plain'`)).toBe(`SELECT E'it''s\\x3a here', 'plain'`);
  });

  it('leaves casts, parameters and quoted names alone', () => {
    const sql = `SELECT $1::jsonb, "a:b" FROM t WHERE c = $2::varchar`;
    expect(pgbenchSafe(sql)).toBe(sql);
  });

  it('drops the colons of comments', () => {
    expect(pgbenchSafe('SELECT 1 -- note: why\nFROM t')).toBe('SELECT 1 -- note  why\nFROM t');
  });
});
