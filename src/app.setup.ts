import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { httpLoggerOptions } from './logging/logging.module';
import { json, Router, type NextFunction, type Request, type Response } from 'express';
import { forRequestsWithBody, staticHeaders } from './common/http-layers';
import {
  checkBodyShape,
  refuseWideJson,
  refuseWideJsonEarly,
  requireJsonBody,
} from './common/http-middleware';
import {
  methodNotAllowed,
  noStoreWhenAuthenticated,
  rejectRepeatedHeaders,
  type RouteLayer,
} from './common/http-semantics';
import {
  PROBLEM_CONTENT_TYPE,
  toDomainError,
  toProblem,
} from './common/errors/problem-details.filter';
import { appConfig, type AppConfig } from './config/app.config';
import { assignRequestId, bindRequestContext } from './logging/request-context';
import { MetricsService } from './metrics/metrics.service';
import { ShutdownState } from './health/shutdown-state';
import { IpRateLimit } from './throttling/ip-rate-limit';
import { setupOpenApi } from './common/openapi/openapi-document';
import { keepWebhookRawBody } from './payments/raw-body';

export const BODY_LIMIT = '100kb';

/**
 * A client that sends its request a byte at a time holds a connection (and a socket's memory)
 * for as long as it likes: the request must have arrived within REQUEST_TIMEOUT_MS (Node answers
 * 408 and closes), and at most MAX_CONNECTIONS are open at once.
 */
function limitConnections(server: Server, config: AppConfig): void {
  server.requestTimeout = config.REQUEST_TIMEOUT_MS;
  server.headersTimeout = config.REQUEST_TIMEOUT_MS;
  server.maxConnections = config.MAX_CONNECTIONS;
  // Node checks the deadlines every 30 s by default, which would let a request run 30 s past
  // its deadline; read when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.min(1000, Math.max(100, Math.floor(config.REQUEST_TIMEOUT_MS / 10)));
}

function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * The body's checks and its parser, in this order, as one router: for requests with a body only
 * (forRequestsWithBody). What they refuse goes on to the error handler after them.
 */
function bodyParsing(): Router {
  const body = Router();
  body.use(requireJsonBody);
  // Must come right before the parser, which it stops early (see http-middleware.ts).
  body.use(refuseWideJsonEarly);
  body.use(
    json({
      limit: BODY_LIMIT,
      verify: (req: IncomingMessage, res: ServerResponse, raw: Buffer, encoding: string) => {
        refuseWideJson(req, res, raw, encoding);
        keepWebhookRawBody(req, res, raw);
      },
    }),
  );
  return body;
}

/**
 * What must be set on the application object itself rather than declared in AppModule. main.ts
 * and the e2e suite both call this, so tests run the same HTTP stack as production.
 */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get<AppConfig>(appConfig.KEY);
  limitConnections(app.getHttpServer(), config);
  app.use(assignRequestId);
  app.use(pinoHttp(httpLoggerOptions(config)));
  app.use(
    staticHeaders(
      helmet({
        // The service is reached over plain HTTP inside a cluster; TLS ends at the ingress.
        contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      }),
    ),
  );
  app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  if (config.CORS_ORIGINS.length > 0) {
    app.enableCors({
      origin: config.CORS_ORIGINS,
      exposedHeaders: ['ETag', 'Location', 'Idempotent-Replayed', 'X-Request-Id', 'Retry-After'],
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

  // Before anything that costs: every request without a valid token counts against its address.
  app.use(app.get(IpRateLimit).middleware);
  app.use(noStoreWhenAuthenticated);
  app.use(rejectRepeatedHeaders);
  const express = app.getHttpAdapter().getInstance() as unknown as {
    router: { stack: RouteLayer[] };
  };
  app.use(methodNotAllowed(() => express.router.stack));
  app.use(forRequestsWithBody(bodyParsing()));
  // What was refused so far, the body's parse failures among them, happens before Nest's
  // router; answer it in the same problem shape.
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

  setupOpenApi(app, config);
}
