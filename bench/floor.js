/*
 * The floor: what Node itself reaches for `GET /api/orders/:id` on this machine, to read the
 * service's ratios against. It sends the service's own statement (SELECT_JSON_BY_ID, from dist/)
 * through node:http and pg, after checking the token with jsonwebtoken as the service does, and
 * answers the JSON PostgreSQL wrote, as is; `/health/live` and `/health/ready` answer a constant.
 * No framework, no middleware, no logging, no validation: not a service, a measuring stick.
 *
 *   npm run build && npm run bench -- --service bench/floor.js --only get-one,health
 *
 * It takes the settings the bench gives the service (PORT, DATABASE_URL, SECRET_KEY,
 * DB_POOL_SIZE) and applies the migrations first, with the service's own dist/migrate.js.
 * Plain JavaScript, like capture-sql.js, so that nothing but it runs in the measured process.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { createSecretKey } = require('node:crypto');
const { createServer } = require('node:http');
const { join } = require('node:path');
const jwt = require('jsonwebtoken');
const { Pool } = require('pg');
const { SELECT_JSON_BY_ID } = require('../dist/orders/order-statements');

const ROOT = join(__dirname, '..');
execFileSync(process.execPath, [join(ROOT, 'dist', 'migrate.js')], { stdio: 'inherit' });

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_SIZE || 10),
  // The bench counts the CPU of the database's backends by this name.
  application_name: 'order-service',
});
// A key object, as the service's TokenVerifier holds: jsonwebtoken tries a string as a PEM key
// first, at a third of a millisecond per token.
const KEY = createSecretKey(Buffer.from(process.env.SECRET_KEY, 'utf8'));
const ORDER_PATH = /^\/api\/orders\/([0-9a-f-]{36})$/;

function callerOf(header) {
  if (!header || !header.startsWith('Bearer ')) return undefined;
  try {
    return jwt.verify(header.slice(7), KEY, { algorithms: ['HS256'] });
  } catch {
    return undefined;
  }
}

function answer(res, status, body) {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function getOrder(req, res, id) {
  const caller = callerOf(req.headers.authorization);
  if (!caller) return answer(res, 401, '{"status":401}');
  const owner = caller.role === 'admin' ? null : caller.userId;
  const viewer = caller.role === 'admin' ? 'admin' : 'customer';
  const { rows } = await pool.query(SELECT_JSON_BY_ID[viewer], [id, owner]);
  if (rows.length === 0) return answer(res, 404, '{"status":404}');
  answer(res, 200, rows[0].body);
}

createServer((req, res) => {
  if (req.url === '/health/live' || req.url === '/health/ready') {
    return answer(res, 200, '{"status":"ok"}');
  }
  const order = req.method === 'GET' ? ORDER_PATH.exec(req.url) : null;
  if (!order) return answer(res, 404, '{"status":404}');
  getOrder(req, res, order[1]).catch((error) => {
    console.error(error);
    answer(res, 500, '{"status":500}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
