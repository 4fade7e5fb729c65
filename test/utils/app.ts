import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp, createHttpAdapter } from '../../src/app.setup';
import { validateEnvironment } from '../../src/config/environment';
import { createTestDatabase, dropTestDatabase } from './database';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  db: DataSource;
  databaseUrl: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /**
   * Rewrites the cloned database's URL before the app sees it, e.g. to reach it through a proxy
   * that a test can cut. `databaseUrl` on the result stays the direct URL.
   */
  mapDatabaseUrl?: (url: string) => string;
}

/**
 * The real AppModule with production's globals, on a fresh database cloned from the migrated
 * template. `env` adds settings (for example the URL of a fake neighbour) for this app only.
 */
export async function createTestApp(
  env: Record<string, string | undefined> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const appDatabaseUrl = options.mapDatabaseUrl?.(database.url) ?? database.url;
  const previous = { ...process.env };
  Object.assign(process.env, { DATABASE_URL: appDatabaseUrl }, env);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(
      createHttpAdapter(validateEnvironment(process.env)),
      { bodyParser: false, logger: process.env.TEST_LOGS ? undefined : false },
    );
    configureApp(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return {
      app,
      http: request(app.getHttpServer()),
      db: app.get(DataSource),
      databaseUrl: database.url,
      close: async () => {
        await app.close();
        await dropTestDatabase(database.name);
      },
    };
  } catch (error) {
    // A test may expect start-up to fail (a bad setting); its clone must not outlive it.
    await dropTestDatabase(database.name);
    throw error;
  } finally {
    process.env = previous;
  }
}

/**
 * Makes the app listen on a free port of 127.0.0.1, for a client that needs a real socket (raw
 * TCP, another process); closing the app closes it. Returns the port.
 */
export async function listen(t: Pick<TestApp, 'app'>): Promise<number> {
  const server = t.app.getHttpServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return (server.address() as AddressInfo).port;
}
