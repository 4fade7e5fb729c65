import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { parse as parseQuery } from 'node:querystring';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { json } from 'body-parser';
import cors from 'cors';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { bindRequestLogger, httpLoggerOptions } from './logging/logging.module';
import { forRequestsWithBody, type Layer, pipeline, staticHeaders } from './common/http-layers';
import {
  checkBodyShape,
  refuseWideJson,
  refuseWideJsonEarly,
  requireJsonBody,
  type WithBody,
} from './common/http-middleware';
import {
  methodNotAllowed,
  noStoreWhenAuthenticated,
  rejectRepeatedHeaders,
  routeTable,
} from './common/http-semantics';
import { DomainError } from './common/errors/domain-error';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { appConfig, type AppConfig } from './config/app.config';
import {
  assignRequestId,
  bindRequestContext,
  type PipelineRequest,
  requestIdOf,
} from './logging/request-context';
import { MetricsService } from './metrics/metrics.service';
import { ShutdownState } from './health/shutdown-state';
import { IpRateLimit } from './throttling/ip-rate-limit';
import { setupOpenApi } from './common/openapi/openapi-document';
import { keepWebhookRawBody } from './payments/raw-body';
import { tracing } from './tracing/tracing';

export const BODY_LIMIT = '100kb';

/**
 * Paths match as Express matched them before the service moved to Fastify: letter case and one
 * trailing slash do not matter, a path parameter may be as long as the URL, and the query is
 * parsed by Node's querystring (repeated keys become arrays).
 */
const ROUTER_OPTIONS = {
  caseSensitive: false,
  ignoreTrailingSlash: true,
  maxParamLength: 16_384,
  querystringParser: (query: string) => parseQuery(query),
};

function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * The HTTP server: Fastify, whose routing and replies cost a fraction of Express' (issue 15).
 * What Fastify would otherwise do on its own (parse bodies, log, answer 503 while closing, keep
 * idle connections 72 s) is left to the pipeline below and to Node's defaults, as before.
 */
export function createHttpAdapter(settings: Pick<AppConfig, 'TRUST_PROXY'>): FastifyAdapter {
  return new FastifyAdapter({
    logger: false,
    trustProxy: trustProxy(settings.TRUST_PROXY),
    genReqId: requestIdOf,
    return503OnClosing: false,
    keepAliveTimeout: 5_000,
    // Nest middleware is not used: the pipeline runs as Fastify's first request hook.
    skipMiddie: true,
    routerOptions: ROUTER_OPTIONS,
    // Hooks do not run for these: the pipeline does (see configureApp).
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      (request.server as FastifyInstance & { [UNROUTABLE]: Unroutable })[UNROUTABLE](
        error,
        request,
        reply,
      ),
  });
}

/** Where configureApp puts the answer to a request the router could not route. */
const UNROUTABLE = 'answerUnroutable';
type Unroutable = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

/** A path Fastify's router refused before routing: undecodable, or a parameter too long. */
function unroutable(error: FastifyError): DomainError {
  return error.code === 'FST_ERR_BAD_URL'
    ? new DomainError('BAD_REQUEST', 'The request path is not valid percent-encoding.')
    : new DomainError('BAD_REQUEST', 'The request path is too long.');
}

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

/** The body's checks and its parser, in this order: for requests with a body only. */
function bodyParsing(): Layer {
  return forRequestsWithBody(
    pipeline([
      requireJsonBody,
      // Must come right before the parser, which it stops early (see http-middleware.ts).
      refuseWideJsonEarly,
      json({
        limit: BODY_LIMIT,
        verify: (req: IncomingMessage, res: ServerResponse, raw: Buffer, encoding: string) => {
          refuseWideJson(req, res, raw, encoding);
          keepWebhookRawBody(req, res, raw);
        },
      }) as Layer,
    ]),
  );
}

/**
 * Everything a request passes before its route's guards, as one pipeline of connect-style layers
 * on Node's request and response, run by configureApp as Fastify's first request hook.
 */
function requestPipeline(app: NestFastifyApplication, config: AppConfig, routes: RouteTableOf) {
  const shutdown = app.get(ShutdownState);
  const layers: Layer<PipelineRequest>[] = [
    assignRequestId,
    pinoHttp(httpLoggerOptions(config)),
    staticHeaders(
      helmet({
        // The service is reached over plain HTTP inside a cluster; TLS ends at the ingress.
        contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      }),
    ),
  ];
  if (config.CORS_ORIGINS.length > 0) {
    layers.push(
      cors({
        origin: config.CORS_ORIGINS,
        exposedHeaders: ['ETag', 'Location', 'Idempotent-Replayed', 'X-Request-Id', 'Retry-After'],
      }) as Layer,
    );
  }
  layers.push(
    app.get(MetricsService).httpMiddleware,
    // Once shutdown starts, every answer closes its connection: keep-alive clients reconnect
    // elsewhere instead of holding the closing server open.
    (_req, res, next) => {
      if (shutdown.shuttingDown) res.setHeader('Connection', 'close');
      next();
    },
    // Before anything that costs: every request without a valid token counts against its address.
    app.get(IpRateLimit).middleware,
    noStoreWhenAuthenticated,
    rejectRepeatedHeaders,
    methodNotAllowed(routes, (req) => (req as PipelineRequest).routeTemplate === undefined),
    bodyParsing(),
    checkBodyShape,
    bindRequestContext,
    bindRequestLogger,
  );
  return pipeline(layers);
}

type RouteTableOf = ReturnType<typeof routeTable>;

/**
 * What must be set on the application object itself rather than declared in AppModule. main.ts
 * and the e2e suite both call this, so tests run the same HTTP stack as production.
 */
export function configureApp(app: NestFastifyApplication): void {
  const config = app.get<AppConfig>(appConfig.KEY);
  limitConnections(app.getHttpServer(), config);
  const fastify = app.getHttpAdapter().getInstance();
  const routes = routeTable(ROUTER_OPTIONS);
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url));
  // The pipeline has read and parsed the body already; Fastify only picks it up.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, _payload, done) =>
    done(null, (request.raw as WithBody).body),
  );
  const run = requestPipeline(app, config, routes);
  const problems = new ProblemDetailsFilter();
  /** Runs the pipeline for a request Fastify has routed (or found no route for), then `then`. */
  const handle = (request: FastifyRequest, reply: FastifyReply, then: () => void) => {
    const req = request.raw as PipelineRequest;
    req.id = request.id;
    req.ip = request.ip;
    req.routeTemplate = request.is404 ? undefined : request.routeOptions.url;
    if (req.routeTemplate !== undefined) tracing?.nameRoute(req.routeTemplate);
    run(req, reply.raw, (err) => {
      // A layer answered (a CORS preflight, OPTIONS on a known path): nothing more to do.
      if (reply.raw.headersSent) return void reply.hijack();
      // Refused before routing (the body's parse failures among them): answered by the filter
      // here; through Nest's exception handling, a parser's error would lose its own code.
      if (err !== undefined) return problems.answer(err, request, reply);
      then();
    });
  };
  (app.getHttpAdapter() as FastifyAdapter).setOnRequestHook((request, reply, done) =>
    handle(request, reply, () => done()),
  );
  // A path the router cannot decode gets the same pipeline (id, headers, log line, limits) and
  // then a problem answer, as a route's error would.
  fastify.decorate(
    UNROUTABLE,
    (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      handle(request, reply, () => problems.answer(unroutable(error), request, reply)),
  );
  setupOpenApi(app, config);
}

/**
 * Every address of the host, as Node's own `listen(port)` takes it (Fastify's `listen` would take
 * `localhost` for a missing host): `::` (IPv6 and IPv4) where the host has IPv6, else 0.0.0.0.
 */
export function anyAddress(interfaces = networkInterfaces()): string {
  const ipv6 = Object.values(interfaces).some((addresses) =>
    addresses?.some((address) => address.family === 'IPv6'),
  );
  return ipv6 ? '::' : '0.0.0.0';
}
