import type { DataSource } from 'typeorm';
import { runMigrationsLocked } from '../src/database/migrate';
import { dataSourceFor, databaseUrl, withAdminClient } from './utils/database';

// The run's prefix, so that the global teardown drops these even when a test dies half-way.
let counter = 0;
async function createEmptyDatabase(): Promise<string> {
  counter += 1;
  const name = `order_test_${process.env.TEST_RUN_ID}_mig_${counter}_${Date.now() % 100000}`;
  // template0: nothing a previous test left in template1 can leak into "brand-new".
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0`));
  return name;
}

async function dropDatabase(name: string): Promise<void> {
  await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

async function publicTables(ds: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
}

/** Enums and other user-defined types: a down migration must drop these too. */
async function publicTypes(ds: DataSource): Promise<string[]> {
  const rows: { typname: string }[] = await ds.query(
    `SELECT t.typname FROM pg_type t
       JOIN pg_namespace n ON n.oid = t.typnamespace
       LEFT JOIN pg_class c ON c.oid = t.typrelid
      WHERE n.nspname = 'public'
        AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND c.relkind = 'c'))
      ORDER BY 1`,
  );
  return rows.map((r) => r.typname);
}

async function appliedMigrations(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await ds.query(`SELECT name FROM migrations ORDER BY id`);
  return rows.map((r) => r.name);
}

describe('migrations on a brand-new database', () => {
  let name: string;
  let ds: DataSource;
  let known: string[];

  beforeAll(async () => {
    name = await createEmptyDatabase();
    ds = await dataSourceFor(databaseUrl(name)).initialize();
    known = ds.migrations.map((m) => m.name ?? m.constructor.name);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    if (name) await dropDatabase(name);
  });

  it('starts empty', async () => {
    expect(await publicTables(ds)).toEqual([]);
    expect(known.length).toBeGreaterThan(0);
  });

  it('applies every migration, creating every entity table', async () => {
    const applied = await runMigrationsLocked(ds);

    expect(applied).toEqual(known);
    expect(await appliedMigrations(ds)).toEqual(known);
    const tables = await publicTables(ds);
    const entityTables = ds.entityMetadatas.map((m) => m.tableName);
    expect(entityTables.length).toBeGreaterThan(0);
    expect(tables).toEqual(expect.arrayContaining(['migrations', ...entityTables]));
  });

  it('leaves nothing for migration:generate to find (the schema matches the entities)', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();

    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('a second run finds nothing pending', async () => {
    expect(await runMigrationsLocked(ds)).toEqual([]);
    expect(await appliedMigrations(ds)).toEqual(known);
  });

  it('reverts every migration, leaving only the migrations table', async () => {
    for (let remaining = known.length; remaining > 0; remaining -= 1) {
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await appliedMigrations(ds)).toEqual(known.slice(0, remaining - 1));
    }

    expect(await publicTables(ds)).toEqual(['migrations']);
    expect(await publicTypes(ds)).toEqual([]);
  });

  it('applies them all again after the revert', async () => {
    expect(await runMigrationsLocked(ds)).toEqual(known);

    const tables = await publicTables(ds);
    expect(tables).toEqual(
      expect.arrayContaining(['migrations', ...ds.entityMetadatas.map((m) => m.tableName)]),
    );
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries).toEqual([]);
  });
});

describe('replicas starting together', () => {
  let name: string;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    name = await createEmptyDatabase();
    for (let i = 0; i < 2; i += 1) {
      sources.push(await dataSourceFor(databaseUrl(name)).initialize());
    }
  });

  afterAll(async () => {
    for (const ds of sources) if (ds.isInitialized) await ds.destroy();
    if (name) await dropDatabase(name);
  });

  it('apply each migration exactly once when both run at the same moment', async () => {
    const known = sources[0].migrations.map((m) => m.name ?? m.constructor.name);

    const results = await Promise.all(sources.map((ds) => runMigrationsLocked(ds)));

    // One replica did the work; the other waited for the lock and found nothing left to do.
    expect(results.flat().sort()).toEqual([...known].sort());
    expect(results.map((r) => r.length).sort((a, b) => a - b)).toEqual([0, known.length]);
    const rows: { name: string; count: string }[] = await sources[0].query(
      `SELECT name, count(*) AS count FROM migrations GROUP BY name ORDER BY name`,
    );
    expect(rows).toEqual([...known].sort().map((n) => ({ name: n, count: '1' })));
  });
});
