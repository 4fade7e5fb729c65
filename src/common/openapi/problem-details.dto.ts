import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CATALOG, type ErrorCode } from '../errors/error-codes';

export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

/** One field's problem in a 400 VALIDATION_FAILED answer. */
export class FieldProblemDto {
  @ApiProperty({ description: 'The field (or header) at fault.', example: 'items' })
  field: string;

  @ApiProperty({ example: 'items must contain at least 1 elements' })
  detail: string;
}

/**
 * The body of every error answer (RFC 9457 problem details, `application/problem+json`). Some
 * codes add members of their own, such as `current_status` or `product_id`.
 */
export class ProblemDetailsDto {
  @ApiProperty({
    description: 'A URN naming the kind of problem; one per `code`.',
    example: 'urn:problem:order-service:validation-failed',
  })
  type: string;

  @ApiProperty({
    description: 'Short summary of the kind of problem.',
    example: 'The request is not valid',
  })
  title: string;

  @ApiProperty({ type: 'integer', description: 'The HTTP status code.', example: 400 })
  status: number;

  @ApiProperty({
    description: 'What went wrong with this request.',
    example: 'items must contain at least 1 elements',
  })
  detail: string;

  @ApiProperty({
    enum: ERROR_CODES,
    enumName: 'ErrorCode',
    description: 'Stable machine-readable code; clients switch on it.',
    example: 'VALIDATION_FAILED',
  })
  code: ErrorCode;

  @ApiPropertyOptional({ description: 'The path of the request.', example: '/api/orders' })
  instance?: string;

  @ApiPropertyOptional({
    type: [FieldProblemDto],
    description: 'The problems with individual fields, when there are any.',
  })
  errors?: FieldProblemDto[];
}
