/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. It must start before
 * http and pg are loaded so that it can patch them, which is why main.ts imports this
 * file first and why it reads the environment directly. The undici instrumentation sends the
 * trace context (traceparent) to the Product, User and Inventory Services, which are called
 * through undici (common/neighbour-http.ts); the HTTP instrumentation traces incoming requests.
 *
 * The SDK is required only when tracing is on, so a service without a collector never loads it;
 * only the type imports below are static, and they vanish from the compiled code.
 */
import type * as ApiModule from '@opentelemetry/api';
import type * as CoreModule from '@opentelemetry/core';
import type * as ExporterModule from '@opentelemetry/exporter-trace-otlp-http';
import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import type * as HttpModule from '@opentelemetry/instrumentation-http';
import type * as NestModule from '@opentelemetry/instrumentation-nestjs-core';
import type * as PgModule from '@opentelemetry/instrumentation-pg';
import type * as UndiciModule from '@opentelemetry/instrumentation-undici';
import type * as ResourcesModule from '@opentelemetry/resources';
import type * as TraceBaseModule from '@opentelemetry/sdk-trace-base';
import type * as TraceNodeModule from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  /**
   * Names the incoming request's span by its route template (`GET /api/orders/:id`, with
   * `http.route`), as the HTTP instrumentation does when a framework's instrumentation tells it
   * the route. Called from the request pipeline, inside the request's context.
   */
  nameRoute(route: string): void;
  /** Exports the spans not yet sent, then stops tracing. */
  shutdown(): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof ExporterModule;
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof InstrumentationModule;
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof HttpModule;
  const { NestInstrumentation } =
    require('@opentelemetry/instrumentation-nestjs-core') as typeof NestModule;
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof PgModule;
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof UndiciModule;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof ResourcesModule;
  const { context } = require('@opentelemetry/api') as typeof ApiModule;
  const { getRPCMetadata, RPCType } = require('@opentelemetry/core') as typeof CoreModule;
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof TraceBaseModule;
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof TraceNodeModule;

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME?.trim() || 'order-service',
    }),
    spanProcessors: [
      new BatchSpanProcessor(
        // The endpoint is the collector's base URL; the exporter adds /v1/traces.
        new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }),
      ),
    ],
  });
  // Also installs the W3C trace-context propagator and the async-hooks context manager.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(health|metrics)/.test(req.url ?? ''),
      }),
      new NestInstrumentation(),
      new PgInstrumentation(),
      new UndiciInstrumentation(),
    ],
  });
  return {
    nameRoute: (route) => {
      const incoming = getRPCMetadata(context.active());
      if (incoming?.type === RPCType.HTTP) incoming.route = route;
    },
    shutdown: async () => {
      unregister();
      await provider.shutdown();
    },
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

export const tracing = startTracing();
