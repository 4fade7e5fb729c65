import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { httpLoggerOptions } from './logging/logging.module';
import type { NextFunction, Request, Response } from 'express';
import { checkBodyShape, requireJsonBody } from './common/http-guards';
import {
  PROBLEM_CONTENT_TYPE,
  toDomainError,
  toProblem,
} from './common/errors/problem-details.filter';
import { appConfig, type AppConfig } from './config/app.config';
import { assignRequestId, bindRequestContext } from './logging/request-context';
import { MetricsService } from './metrics/metrics.service';
import { ShutdownState } from './health/shutdown-state';
import { keepWebhookRawBody } from './payments/raw-body';

export const BODY_LIMIT = '100kb';

function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * What must be set on the application object itself rather than declared in AppModule. main.ts
 * and the e2e suite both call this, so tests run the same HTTP stack as production.
 */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get<AppConfig>(appConfig.KEY);
  app.use(assignRequestId);
  app.use(pinoHttp(httpLoggerOptions(config)));
  app.use(
    helmet({
      // The service is reached over plain HTTP inside a cluster; TLS ends at the ingress.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  if (config.CORS_ORIGINS.length > 0) {
    app.enableCors({
      origin: config.CORS_ORIGINS,
      exposedHeaders: ['ETag', 'X-Request-Id', 'Retry-After'],
    });
  }
  app.use(app.get(MetricsService).httpMiddleware);
  // Once shutdown starts, every answer closes its connection: keep-alive clients reconnect
  // elsewhere instead of holding the closing server open.
  const shutdown = app.get(ShutdownState);
  app.use((_req: Request, res: Response, next: NextFunction) => {
    if (shutdown.shuttingDown) res.setHeader('Connection', 'close');
    next();
  });
  app.disable('x-powered-by');
  // Orders carry their own strong ETag (the version); Express' body-hash ETag would compete.
  app.set('etag', false);

  app.use(requireJsonBody);
  app.useBodyParser('json', { limit: BODY_LIMIT, verify: keepWebhookRawBody });
  // Body-parser failures happen before Nest's router; answer them in the same problem shape.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const error = toDomainError(err);
    res
      .status(error.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(toProblem(error, req.path)));
  });
  app.use(checkBodyShape);
  app.use(bindRequestContext);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(config.APP_NAME)
      .setDescription(
        'Turns a basket into a priced order and carries it from pending to delivered.',
      )
      .setVersion(config.APP_VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
