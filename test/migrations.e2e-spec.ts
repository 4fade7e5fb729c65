import type { DataSource } from 'typeorm';
import { runMigrationsLocked } from '../src/database/migrate';
import { createEmptyDatabase, dataSourceFor, dropTestDatabase } from './utils/database';

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
  let database: { name: string; url: string };
  let ds: DataSource;
  let known: string[];

  beforeAll(async () => {
    database = await createEmptyDatabase();
    ds = await dataSourceFor(database.url).initialize();
    known = ds.migrations.map((m) => m.name ?? m.constructor.name);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    if (database) await dropTestDatabase(database.name);
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
  let database: { name: string; url: string };
  const sources: DataSource[] = [];

  beforeAll(async () => {
    database = await createEmptyDatabase();
    for (let i = 0; i < 2; i += 1) {
      sources.push(await dataSourceFor(database.url).initialize());
    }
  });

  afterAll(async () => {
    for (const ds of sources) if (ds.isInitialized) await ds.destroy();
    if (database) await dropTestDatabase(database.name);
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
