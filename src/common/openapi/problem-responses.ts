import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { HeaderObject } from '@nestjs/swagger';
import { ERROR_CATALOG, type ErrorCode } from '../errors/error-codes';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem-details.filter';
import { RETRY_AFTER_HEADER, WWW_AUTHENTICATE_HEADER } from './headers';
import { FieldProblemDto, ProblemDetailsDto } from './problem-details.dto';

/** What every route behind a token may answer, whatever it does. */
export const AUTHENTICATED_PROBLEMS = [
  'UNAUTHORIZED',
  'TOO_MANY_REQUESTS',
  'INTERNAL',
  'DATABASE_UNAVAILABLE',
] as const satisfies readonly ErrorCode[];

/** What reading a JSON request body may answer. */
export const JSON_BODY_PROBLEMS = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
] as const satisfies readonly ErrorCode[];

const DETAILS: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'items must contain at least 1 elements',
  UNAUTHORIZED: 'A valid bearer token is required.',
  FORBIDDEN: 'Your role does not allow this.',
  NOT_FOUND: 'No such resource.',
  PRECONDITION_FAILED: 'The order is at version 2; you sent If-Match "1".',
};

function headersFor(
  status: number,
  codes: readonly ErrorCode[],
): { headers: Record<string, HeaderObject> } | undefined {
  if (status === 401) return { headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_HEADER } };
  if (status === 429 || codes.includes('DATABASE_UNAVAILABLE')) {
    return { headers: { 'Retry-After': RETRY_AFTER_HEADER } };
  }
  return undefined;
}

/**
 * Documents the error answers an operation can give: one response per status, each a
 * problem+json document whose `code` is narrowed to the codes that status can carry here, so a
 * generated client can switch on them.
 */
export function ApiProblemResponses(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const { status } = ERROR_CATALOG[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses = [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, list]) => {
      const first = list[0];
      return ApiResponse({
        status,
        description: `${ERROR_CATALOG[first].title}. \`code\`: ${list.map((c) => `\`${c}\``).join(', ')}.`,
        ...headersFor(status, list),
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: {
              allOf: [
                { $ref: getSchemaPath(ProblemDetailsDto) },
                { type: 'object', properties: { code: { type: 'string', enum: list } } },
              ],
            },
            example: {
              type: `urn:problem:order-service:${first.toLowerCase().replace(/_/g, '-')}`,
              title: ERROR_CATALOG[first].title,
              status,
              detail: DETAILS[first] ?? `${ERROR_CATALOG[first].title}.`,
              code: first,
            },
          },
        },
      });
    });
  return applyDecorators(ApiExtraModels(ProblemDetailsDto, FieldProblemDto), ...responses);
}
