import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiResponse } from '@nestjs/swagger';
import { ApiProblemResponses } from '../common/openapi/problem-responses';
import { ApiPublicRoute } from '../common/openapi/public-route';

/*
 * The OpenAPI description of the probes. They need no token (`security: []`). None expects a
 * body, but one sent anyway is still parsed, so the body errors are what they can answer 4xx.
 */

const UNEXPECTED_BODY_PROBLEMS = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
] as const;

/** One check of the readiness probe, e.g. `database` or `lifecycle`. */
const CHECKS_SCHEMA = {
  type: 'object' as const,
  description: 'Each check by name, with `status` `up` or `down`.',
  additionalProperties: {
    type: 'object' as const,
    properties: { status: { type: 'string' as const, enum: ['up', 'down'] } },
    required: ['status'],
    // A check adds what it knows, e.g. the lifecycle's `state` or a failure's `message`.
    additionalProperties: true,
  },
  example: { database: { status: 'up' }, lifecycle: { status: 'up', state: 'serving' } },
};

export class LiveResponseDto {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

export class ReadyResponseDto {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';

  @ApiProperty(CHECKS_SCHEMA)
  checks: Record<string, { status: 'up' | 'down' }>;
}

export class HealthDocumentDto {
  @ApiProperty({ enum: ['healthy', 'unhealthy'] })
  status: 'healthy' | 'unhealthy';

  @ApiProperty({ example: 'order-service' })
  service: string;

  @ApiProperty({ example: '1.0.0' })
  version: string;

  @ApiProperty(CHECKS_SCHEMA)
  checks: Record<string, { status: 'up' | 'down' }>;
}

export function LiveDocs(): MethodDecorator {
  return applyDecorators(
    ApiPublicRoute(),
    ApiOperation({
      summary: 'Liveness probe',
      description:
        'The process answers. No dependency is checked, so a database outage never restarts pods.',
    }),
    ApiOkResponse({ description: 'Alive.', type: LiveResponseDto }),
    ApiProblemResponses(...UNEXPECTED_BODY_PROBLEMS),
  );
}

export function ReadyDocs(): MethodDecorator {
  return applyDecorators(
    ApiPublicRoute(),
    ApiOperation({
      summary: 'Readiness probe',
      description:
        'Ready when the database answers in time and the service is not shutting down; otherwise 503 `NOT_READY` with the checks.',
    }),
    ApiOkResponse({ description: 'Ready.', type: ReadyResponseDto }),
    ApiProblemResponses(...UNEXPECTED_BODY_PROBLEMS, 'NOT_READY'),
  );
}

export function OverallHealthDocs(): MethodDecorator {
  return applyDecorators(
    ApiPublicRoute(),
    ApiOperation({
      summary: 'Health document',
      description: 'The overall health document, with the readiness checks; for dashboards.',
    }),
    ApiOkResponse({ description: 'Healthy.', type: HealthDocumentDto }),
    ApiResponse({
      status: 503,
      description: 'Unhealthy: the same document.',
      type: HealthDocumentDto,
    }),
    ApiProblemResponses(...UNEXPECTED_BODY_PROBLEMS),
  );
}
