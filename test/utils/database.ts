import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { validateEnvironment } from '../../src/config/environment';
import { buildDataSourceOptions } from '../../src/database/data-source-options';

/** Set by the global setup: the server's admin URL and this run's template database. */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set (the e2e global setup sets it)');
  return url;
}

export function templateName(): string {
  return `order_test_tmpl_${process.env.TEST_RUN_ID}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let counter = 0;

/** A fresh database for one test file, cloned from the migrated template (fast: a file copy). */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  counter += 1;
  const worker = process.env.JEST_WORKER_ID ?? '0';
  const name = `order_test_${process.env.TEST_RUN_ID}_${worker}_${counter}_${Date.now() % 100000}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName()}"`));
  return { name, url: databaseUrl(name) };
}

/**
 * A database with no tables at all, for what must start from nothing (migrations, replicas racing
 * to migrate). Named with the run's prefix, so the global teardown drops it if a test dies.
 */
export async function createEmptyDatabase(): Promise<{ name: string; url: string }> {
  counter += 1;
  const worker = process.env.JEST_WORKER_ID ?? '0';
  const name = `order_test_${process.env.TEST_RUN_ID}_${worker}_empty_${counter}_${Date.now() % 100000}`;
  // template0: nothing a previous test left in template1 can leak into "brand-new".
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0`));
  return { name, url: databaseUrl(name) };
}

export async function dropTestDatabase(name: string): Promise<void> {
  await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export function dataSourceFor(url: string): DataSource {
  return new DataSource(buildDataSourceOptions(url, validateEnvironment({})));
}
