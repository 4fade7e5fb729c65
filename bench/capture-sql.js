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
const { writeFileSync } = require('node:fs');

const file = process.env.BENCH_SQL_CAPTURE_FILE;
if (file) {
  // The service's own pg, resolved from its working directory.
  const pg = require(require.resolve('pg', { paths: [process.cwd()] }));
  const original = pg.Client.prototype.query;
  let captured = null;

  process.on('SIGUSR2', () => {
    if (captured === null) {
      captured = [];
      pg.Client.prototype.query = function capture(config, values, callback) {
        const text = typeof config === 'string' ? config : config && config.text;
        const params = Array.isArray(values) ? values : config && config.values;
        if (typeof text === 'string') captured.push({ text, values: params ?? [] });
        return original.call(this, config, values, callback);
      };
    } else {
      pg.Client.prototype.query = original;
      writeFileSync(file, JSON.stringify(captured));
      captured = null;
    }
  });
}
