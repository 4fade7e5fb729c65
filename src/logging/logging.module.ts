import type { ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { storage, Store } from 'nestjs-pino/storage';
import { stdSerializers } from 'pino';
import type { Options } from 'pino-http';
import type { AuthUser } from '../auth/auth-user';
import { appConfig, type AppConfig } from '../config/app.config';
import type { Next } from '../common/http-layers';
import { routeOf, type PipelineRequest } from './request-context';

/** The caller is noted on Node's request by the auth guard (auth/guards.ts), for this log. */
type LoggedRequest = PipelineRequest & { user?: AuthUser };

/** Probes and scrapes every few seconds would drown the requests that matter. */
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * JSON lines for machines (collectors, `docker logs` in production), readable lines for a person
 * at a terminal. LOG_FORMAT decides when set; DEBUG asks for readable lines anywhere.
 */
export function logFormat(
  config: Pick<AppConfig, 'LOG_FORMAT' | 'DEBUG' | 'NODE_ENV'>,
  stdoutIsTerminal = Boolean(process.stdout.isTTY),
): 'json' | 'pretty' {
  if (config.LOG_FORMAT) return config.LOG_FORMAT;
  if (config.DEBUG) return 'pretty';
  return stdoutIsTerminal && config.NODE_ENV !== 'production' ? 'pretty' : 'json';
}

/** pino-pretty, one line per entry: time, level, [context] and the message. */
function prettyTransport() {
  return {
    target: 'pino-pretty',
    options: {
      singleLine: true,
      // Colours only for a terminal that accepts them (https://no-color.org).
      colorize: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context,req,res,responseTime',
      messageFormat: '{if context}[{context}] {end}{msg}',
    },
  };
}

/**
 * The request logger's settings. It is mounted first in app.setup.ts (so that requests refused
 * before routing, such as malformed JSON, are logged too), and Nest's own logging uses the same.
 */
export function httpLoggerOptions(config: AppConfig): Options<LoggedRequest, ServerResponse> {
  return {
    level: config.LOG_LEVEL,
    transport: logFormat(config) === 'pretty' ? prettyTransport() : undefined,
    // assignRequestId (app.setup.ts) has named the request already.
    genReqId: (req: LoggedRequest) => (typeof req.id === 'string' ? req.id : 'unknown'),
    autoLogging: {
      ignore: (req: LoggedRequest) => QUIET_PATHS.has(req.url?.split('?')[0] ?? ''),
    },
    // Whitelists, not blacklists: headers (Authorization, cookies) are never logged. They read
    // the request and response themselves: pino-http's wrappers would first copy every field
    // of both (headers included) into objects only to have them dropped here, on every request.
    wrapSerializers: false,
    serializers: {
      req: (req: LoggedRequest) => ({
        id: req.id,
        method: req.method,
        path: (req.url ?? '').split('?')[0],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      // What pino-http puts there when it wraps the serializers (its wrapper of this one is it).
      err: stdSerializers.err,
    },
    redact: {
      paths: ['req.headers', 'res.headers', '*.token', '*.authorization'],
      remove: true,
    },
    // Added when the response is done: only then are the route and the caller known.
    customSuccessObject: (req: LoggedRequest, _res: ServerResponse, value: object) => ({
      ...value,
      route: routeOf(req),
      userId: req.user?.userId,
    }),
    customErrorObject: (
      req: LoggedRequest,
      _res: ServerResponse,
      _error: Error,
      value: object,
    ) => ({
      ...value,
      route: routeOf(req),
      userId: req.user?.userId,
    }),
    customSuccessMessage: (req: LoggedRequest, res: ServerResponse, ms: number) =>
      `${req.method} ${routeOf(req)} ${res.statusCode} ${Math.round(ms)}ms`,
    customErrorMessage: (req: LoggedRequest, res: ServerResponse) =>
      `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customLogLevel: (_req: LoggedRequest, res: ServerResponse, error?: Error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
  };
}

/**
 * Gives Nest's logger calls made while handling a request that request's logger (its id, as
 * pino-http made it), as nestjs-pino's own middleware does. A layer of the request pipeline.
 */
export function bindRequestLogger(req: PipelineRequest, _res: ServerResponse, next: Next): void {
  storage.run(new Store(req.log), next);
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => ({
        pinoHttp: httpLoggerOptions(config),
        useExisting: true,
        // No Nest middleware: the request pipeline (app.setup.ts) runs pino-http and then
        // bindRequestLogger, which is what this module's middleware would do.
        forRoutes: [],
      }),
    }),
  ],
})
export class LoggingModule {}
