/*
 * Preloaded into the benchmarked service (`node -r bench/capture-sql.js dist/main.js`) so that
 * the bench can EXPLAIN the SQL the service really sends, rather than a hand-written copy.
 *
 * Off until the first SIGUSR2: from then on every query and its parameters are recorded. The
 * second SIGUSR2 writes them to BENCH_SQL_CAPTURE_FILE as JSON and puts pg's own Client#query
 * back, so the service runs unpatched for the rest of the benchmark.
 *
 * Plain JavaScript on purpose: loading ts-node into the service would distort its memory figures.
 */
'use strict';
const { renameSync, writeFileSync } = require('node:fs');

const file = process.env.BENCH_SQL_CAPTURE_FILE;
if (file) {
  // The service's own pg, resolved from its working directory.
  const pg = require(require.resolve('pg', { paths: [process.cwd()] }));
  // What pg itself puts on the wire for each value (text), so that pgbench can bind the same.
  const { prepareValue } = require(require.resolve('pg/lib/utils', { paths: [process.cwd()] }));
  const wire = (value) => {
    const prepared = prepareValue(value);
    if (prepared === null || prepared === undefined) return null;
    return Buffer.isBuffer(prepared) ? prepared.toString('utf8') : String(prepared);
  };
  const original = pg.Client.prototype.query;
  let captured = null;

  process.on('SIGUSR2', () => {
    if (captured === null) {
      captured = [];
      pg.Client.prototype.query = function capture(config, values, callback) {
        // A pg-query-stream (the CSV export) carries its statement on its cursor.
        const source = config && config.cursor ? config.cursor : config;
        const text = typeof source === 'string' ? source : source && source.text;
        const params = Array.isArray(values) ? values : source && source.values;
        if (typeof text === 'string') {
          const list = params ?? [];
          captured.push({ text, values: list, wire: list.map(wire) });
        }
        return original.call(this, config, values, callback);
      };
    } else {
      pg.Client.prototype.query = original;
      // Written aside and renamed, so that the bench, which polls for the file, never reads
      // half of it.
      writeFileSync(`${file}.part`, JSON.stringify(captured));
      renameSync(`${file}.part`, file);
      captured = null;
    }
  });
}
