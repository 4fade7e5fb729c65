import { ApiExtension, type OpenAPIObject } from '@nestjs/swagger';

/** Set by ApiPublicRoute, turned into `security: []` by withPublicRoutes, then removed. */
const PUBLIC_ROUTE = 'x-public-route';

/**
 * Marks a route that needs no token in the OpenAPI document, overriding the document's global
 * bearer requirement. It documents @Public(); it does not make a route public.
 */
export function ApiPublicRoute(): MethodDecorator & ClassDecorator {
  return ApiExtension(PUBLIC_ROUTE, true);
}

/**
 * Gives the marked operations an empty security requirement. Done on the finished document
 * because @nestjs/swagger drops an empty `security` list from an operation's metadata.
 */
export function withPublicRoutes(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Record<string, unknown>[]) {
      if (operation && typeof operation === 'object' && PUBLIC_ROUTE in operation) {
        delete operation[PUBLIC_ROUTE];
        operation.security = [];
      }
    }
  }
  return document;
}
