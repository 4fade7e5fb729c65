import type { Client } from 'pg';

/** One statement the service sent, as bench/capture-sql.js recorded it. */
export interface CapturedStatement {
  text: string;
  values: unknown[];
  /** The parameters as pg put them on the wire (text), null for NULL. */
  wire: (string | null)[];
}

/** The statements of one request, in the order the service sent them. */
export type CapturedRequest = CapturedStatement[];

/** A pgbench workload: script files (one per captured request) and the variables they bind. */
export interface CeilingWorkload {
  scripts: string[];
  /** pgbench -D definitions: bound as parameters (extended protocol) where the scripts use them. */
  variables: Record<string, string>;
  /** What the scripts run, for the report. */
  describe: string;
}

/**
 * The parameter types PostgreSQL infers for a statement (PREPARE, then pg_prepared_statements):
 * pgbench sends its parameters untyped and numbers every use of a variable apart, so each use
 * carries the type the service's own statement gave that parameter.
 */
export async function parameterTypes(client: Client, text: string): Promise<string[]> {
  // Statements without parameters (SET, RESET, BEGIN) need no types, and some cannot be prepared.
  if (!/\$\d/.test(text)) return [];
  await client.query(`PREPARE bench_probe AS ${text}`);
  try {
    const { rows } = await client.query<{ type: string }>(
      `SELECT unnest(parameter_types)::text AS type FROM pg_prepared_statements
       WHERE name = 'bench_probe'`,
    );
    return rows.map((r) => r.type);
  } finally {
    await client.query('DEALLOCATE bench_probe');
  }
}

const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * pgbench takes every `:name` in a script as a variable, even inside quotes: colons inside the
 * statement's own string constants (e.g. a to_char format 'HH24:MI:SS') are spelled `\x3a` in
 * an E'' constant, the same value; colons in comments are dropped.
 */
export function pgbenchSafe(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length;) {
    const c = sql[i];
    if (c === "'" && sql[i - 1] !== 'E' && sql[i - 1] !== 'e') {
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === "'" && sql[j + 1] === "'") j++;
        else if (sql[j] === "'") break;
      }
      const body = sql.slice(i + 1, j);
      out += body.includes(':')
        ? `E'${body.replace(/\\/g, '\\\\').replace(/:/g, '\\x3a')}'`
        : `'${body}'`;
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop).replace(/:/g, ' ');
      i = stop;
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      out += sql.slice(i, end + 1);
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * The service's statement with `$n` turned into pgbench variables (bound as parameters by
 * `-M extended`) cast to the type PostgreSQL gave `$n`; a NULL becomes a typed NULL constant
 * (pgbench cannot bind NULL), and `override` may replace a parameter by an SQL expression.
 */
function bind(
  text: string,
  types: string[],
  name: (n: number) => string,
  wire: (string | null)[],
  override: (n: number) => string | undefined,
): string {
  const sql = pgbenchSafe(text).replace(/\$(\d+)/g, (_, digits: string) => {
    const n = Number(digits);
    const type = types[n - 1];
    const special = override(n);
    if (special !== undefined) return `(${special})::${type}`;
    if (wire[n - 1] === null || wire[n - 1] === undefined) return `NULL::${type}`;
    return `:${name(n)}::${type}`;
  });
  return `${sql.trim().replace(/;$/, '')};`;
}

/**
 * Reads: one script per captured request, each binding its own captured values; pgbench picks a
 * script at random for each transaction, so the ids, customers and cursors vary as they did.
 * A request that sent several statements (a page and its count, sent concurrently on two
 * connections by the service) is one transaction running them one after the other.
 */
export async function readWorkload(
  client: Client,
  requests: CapturedRequest[],
): Promise<CeilingWorkload> {
  const typeCache = new Map<string, string[]>();
  const variables: Record<string, string> = {};
  const scripts: string[] = [];
  for (const [k, request] of requests.slice(0, 100).entries()) {
    const lines: string[] = [];
    for (const [s, statement] of request.entries()) {
      let types = typeCache.get(statement.text);
      if (!types)
        typeCache.set(statement.text, (types = await parameterTypes(client, statement.text)));
      const name = (n: number) => `r${k}s${s}p${n}`;
      statement.wire.forEach((value, i) => {
        if (value !== null) variables[name(i + 1)] = value;
      });
      lines.push(bind(statement.text, types, name, statement.wire, () => undefined));
    }
    scripts.push(`${lines.join('\n')}\n`);
  }
  const shape = requests[0].length === 1 ? '1 statement' : `${requests[0].length} statements`;
  return {
    scripts,
    variables,
    describe: `${shape} per transaction, ${scripts.length} captured parameter set(s)`,
  };
}

/**
 * Creates: the captured statement with its captured values, except what must be new for every
 * order (its id, its order number, its items' ids), which is derived from a `\set` random
 * number in SQL (`md5`, `to_hex`, `replace` on the JSON parameters). The ids spread over all of
 * the uuid range, as the service's randomUUID does: ids that shared a prefix went into one
 * corner of each index, whose few pages stayed cached and logged fewer full pages (about 12 %
 * less WAL per create), which made the ceiling a few per cent faster than the same work.
 */
export async function createWorkload(
  client: Client,
  request: CapturedRequest,
): Promise<CeilingWorkload> {
  const insert = request.find((s) => /INSERT INTO orders\b/i.test(s.text));
  if (!insert) throw new Error('the captured create sent no INSERT INTO orders');
  const [orderId, orderNumber] = insert.wire as string[];
  const itemIds = (JSON.parse(insert.wire[18]!) as { id: string }[]).map((i) => i.id);
  const hex = `lpad(to_hex(:r::bigint), 12, '0')`;
  // The same number gives the same id wherever the statement repeats it (the JSON parameters).
  const uuid = (salt: string) => `md5(:r::text || '${salt}')::uuid::text`;
  const fresh: [string, string][] = [
    [orderId, uuid('order')],
    [orderNumber, `${quote(orderNumber.slice(0, 13))} || upper(${hex})`],
    ...itemIds.map((id, i): [string, string] => [id, uuid(`item${i}`)]),
  ];
  const variables: Record<string, string> = {};
  const lines = ['\\set r random(1, 281474976710655)'];
  for (const [s, statement] of request.entries()) {
    const types = await parameterTypes(client, statement.text);
    const name = (n: number) => `c${s}p${n}`;
    const override = (n: number): string | undefined => {
      const value = statement.wire[n - 1];
      if (value === null || value === undefined) return undefined;
      const exact = fresh.find(([v]) => v === value);
      if (exact) return exact[1];
      const inside = fresh.filter(([v]) => value.includes(v));
      if (inside.length === 0) return undefined;
      return inside.reduce(
        (sql, [v, expr]) => `replace(${sql}, ${quote(v)}, ${expr})`,
        `:${name(n)}::text`,
      );
    };
    statement.wire.forEach((value, i) => {
      if (value !== null) variables[name(i + 1)] = value;
    });
    lines.push(bind(statement.text, types, name, statement.wire, override));
  }
  return {
    scripts: [`${lines.join('\n')}\n`],
    variables,
    describe: `${request.length} statement(s) per transaction, new ids per transaction`,
  };
}
