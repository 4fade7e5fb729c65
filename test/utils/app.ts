import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { createTestDatabase, dropTestDatabase } from './database';

export interface TestApp {
  app: NestExpressApplication;
  http: TestAgent;
  db: DataSource;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * The real AppModule with production's globals, on a fresh database cloned from the migrated
 * template. `env` adds settings (for example the URL of a fake neighbour) for this app only.
 */
export async function createTestApp(
  env: Record<string, string | undefined> = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const previous = { ...process.env };
  Object.assign(process.env, { DATABASE_URL: database.url }, env);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({
      bodyParser: false,
      logger: process.env.TEST_LOGS ? undefined : false,
    });
    configureApp(app);
    await app.init();
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
  } finally {
    process.env = previous;
  }
}
