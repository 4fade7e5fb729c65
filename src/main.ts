// Tracing first: it patches http, express and pg, which must not be loaded before it.
import { tracing } from './tracing/tracing';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { setTimeout as sleep } from 'node:timers/promises';
import { configureApp } from './app.setup';
import { ShutdownState } from './health/shutdown-state';
import { ConfigValidationError, validateEnvironment } from './config/environment';
import { startupBanner } from './logging/startup-banner';

async function bootstrap(): Promise<void> {
  // Validated up front as well so that a bad setting ends start-up with one readable message.
  const env = validateEnvironment(process.env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    abortOnError: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  configureApp(app);
  await app.listen(env.PORT);
  const logger = new NestLogger('Bootstrap');
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
    new NestLogger('Bootstrap').error(
      'Start-up failed',
      error instanceof Error ? (error.stack ?? error.message) : String(error),
    );
  }
  process.exit(1);
});
