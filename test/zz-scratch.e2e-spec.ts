import type { DataSource } from 'typeorm';
import { dataSourceFor, databaseUrl, withAdminClient } from './utils/database';

it('without the lock, concurrent runs double-apply or fail', async () => {
  const name = `order_test_${process.env.TEST_RUN_ID}_scratch`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0`));
  const sources: DataSource[] = [];
  for (let i = 0; i < 2; i += 1) sources.push(await dataSourceFor(databaseUrl(name)).initialize());
  const results = await Promise.allSettled(sources.map((ds) => ds.runMigrations({ transaction: 'each' })));
  console.log(JSON.stringify(results.map((r) => r.status === 'fulfilled' ? r.value.map((m) => m.name) : String(r.reason))));
  console.log(JSON.stringify(await sources[0].query('SELECT name, count(*) FROM migrations GROUP BY name')));
  await sources[0].query(`DROP TABLE IF EXISTS order_items; DROP TABLE IF EXISTS orders`);
  console.log(JSON.stringify(await sources[0].query(`SELECT t.typname FROM pg_type t
       JOIN pg_namespace n ON n.oid = t.typnamespace
       LEFT JOIN pg_class c ON c.oid = t.typrelid
      WHERE n.nspname = 'public'
        AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND c.relkind = 'c'))`)));
  for (const ds of sources) await ds.destroy();
  await withAdminClient((c) => c.query(`DROP DATABASE "${name}" WITH (FORCE)`));
});
