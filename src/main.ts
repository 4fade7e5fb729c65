// Tracing first: it patches http and pg, which must not be loaded before it.
import { tracing } from './tracing/tracing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigValidationError, validateEnvironment } from './config/environment';
import { beginEmbeddedPostgres } from './database/embedded-postgres';
import { releaseStartupGarbage } from './common/startup-memory';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded once the embedded database's start is under way */
/** Nest, the application's modules and what they load: about a second of start-up. */
function loadApplication() {
  const { NestFactory } = require('@nestjs/core') as typeof import('@nestjs/core');
  const { Logger } = require('nestjs-pino') as typeof import('nestjs-pino');
  const { AppModule } = require('./app.module') as typeof import('./app.module');
  const setup = require('./app.setup') as typeof import('./app.setup');
  const { ShutdownState } =
    require('./health/shutdown-state') as typeof import('./health/shutdown-state');
  const { startupBanner } =
    require('./logging/startup-banner') as typeof import('./logging/startup-banner');
  return { NestFactory, Logger, AppModule, setup, ShutdownState, startupBanner };
}

/** Nest's logger: loaded with the application, or here when start-up failed before that. */
function nestLogger(context: string) {
  const { Logger } = require('@nestjs/common') as typeof import('@nestjs/common');
  return new Logger(context);
}
/* eslint-enable @typescript-eslint/no-require-imports */

async function bootstrap(): Promise<void> {
  // Validated up front as well so that a bad setting ends start-up with one readable message.
  const env = validateEnvironment(process.env);
  // Without DATABASE_URL, initdb and the embedded server start in their own processes while
  // this one loads the application; the database module then waits for what is left of it.
  if (!env.DATABASE_URL) await beginEmbeddedPostgres(env.EMBEDDED_DB_DIR);
  const { NestFactory, Logger, AppModule, setup, ShutdownState, startupBanner } = loadApplication();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    setup.createHttpAdapter(env),
    { bodyParser: false, abortOnError: false, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  setup.configureApp(app);
  // Loading and wiring are done and nothing runs yet: connections, relays and subscriptions
  // start when listen() initialises the modules. So the collection's pause delays no work.
  releaseStartupGarbage();
  await app.listen(env.PORT, setup.anyAddress());
  const logger = nestLogger('Bootstrap');
  logger.log(`${env.APP_NAME} ${env.APP_VERSION} listening on port ${env.PORT} (docs at /docs)`);
  logger.log(startupBanner(env, env.PORT));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: finishing in-flight requests`);
    const force = setTimeout(() => {
      logger.error('Shutdown took longer than SHUTDOWN_TIMEOUT_MS; exiting');
      process.exit(1);
    }, env.SHUTDOWN_DRAIN_MS + env.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    // Readiness fails first, so that load balancers stop sending before the server closes.
    app.get(ShutdownState).shuttingDown = true;
    sleep(env.SHUTDOWN_DRAIN_MS)
      .then(() => app.close())
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('Shutdown failed', error instanceof Error ? error.stack : String(error));
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    console.error(error.message);
  } else {
    nestLogger('Bootstrap').error(
      'Start-up failed',
      error instanceof Error ? (error.stack ?? error.message) : String(error),
    );
  }
  process.exit(1);
});
