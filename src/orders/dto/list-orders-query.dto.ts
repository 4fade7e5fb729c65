import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Max,
  Min,
  ArrayMaxSize,
} from 'class-validator';
import { OrderStatus } from '../order-process';

/**
 * `a,b` as a list of trimmed values. A repeated parameter (`status=a&status=b`) is not a list but
 * an ambiguity: it is kept nested, so that validation refuses it.
 */
export const commaList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()) : [value];

export const queryBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** A calendar date (midnight UTC) or a date and time with its offset: never a local time. */
export const ISO_8601 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d))?$/;
const ISO_MESSAGE = (name: string) =>
  `${name} must be an ISO 8601 date (2025-01-31) or date and time with an offset (2025-01-31T08:00:00Z)`;

/** The caller's own orders: pages by number or by cursor, a few filters. */
export class ListOrdersQueryDto {
  /** 1-based page number (offset pages, with `total` and `pages`); not with `cursor`. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000_000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  /** Orders per page, 1 to 100. */
  @ApiPropertyOptional({ type: 'integer', default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  /** One status or several, comma-separated (`pending,confirmed`). */
  @IsOptional()
  @Transform(commaList)
  @ArrayMaxSize(Object.values(OrderStatus).length)
  @IsIn(Object.values(OrderStatus), {
    each: true,
    message: `status must be a comma-separated list of ${Object.values(OrderStatus).join(', ')}`,
  })
  status?: OrderStatus[];

  /** Orders created at or after this instant (ISO 8601). */
  @IsOptional()
  @IsString()
  @Matches(ISO_8601, { message: ISO_MESSAGE('created_from') })
  created_from?: string;

  /** Orders created before this instant (ISO 8601, exclusive). */
  @IsOptional()
  @IsString()
  @Matches(ISO_8601, { message: ISO_MESSAGE('created_to') })
  created_to?: string;

  /** The `next_cursor` of the previous page, with the same filters and sort. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not a cursor this service made' })
  cursor?: string;

  /** Cursor pages leave out `total` (a count of every match) unless this is true. */
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  include_total?: boolean;

  /** Only orders with a flag for an admin to look at, such as a stock shortage (admins). */
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  flagged?: boolean;
}
