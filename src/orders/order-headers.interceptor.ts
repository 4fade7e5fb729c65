import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, Observable } from 'rxjs';
import { REPLAYED } from './dto/order-response.dto';

/**
 * Every single-order response carries its version as a strong ETag, so a client can send it
 * back in If-Match; a created order (first answer or replay) names its URL in Location; a
 * replayed idempotent response says so.
 */
@Injectable()
export class OrderHeadersInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    return next.handle().pipe(
      map((body: unknown) => {
        if (body && typeof body === 'object') {
          const { version, id } = body as { version?: unknown; id?: unknown };
          if (typeof version === 'number' && typeof id === 'string') {
            res.setHeader('ETag', `"${version}"`);
            if (req.method === 'POST') {
              const collection = (req.originalUrl ?? req.url).split('?')[0].replace(/\/$/, '');
              res.setHeader('Location', `${collection}/${encodeURIComponent(id)}`);
            }
          }
          if ((body as Record<symbol, unknown>)[REPLAYED])
            res.setHeader('Idempotent-Replayed', 'true');
        }
        return body;
      }),
    );
  }
}
