import { OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsHumanText } from '../../common/validators';
import { PaymentStatus } from '../order-process';
import { ORDER_SORTS, type OrderSort } from '../order-search';
import { commaList, ListOrdersQueryDto, queryBoolean } from './list-orders-query.dto';

const DOLLARS = /^\d{1,10}(\.\d{1,2})?$/;

/** Every order, searched (admins): the customer's filters and many more. */
export class SearchOrdersQueryDto extends ListOrdersQueryDto {
  /** One payment status or several, comma-separated. */
  @IsOptional()
  @Transform(commaList)
  @ArrayMaxSize(Object.values(PaymentStatus).length)
  @IsIn(Object.values(PaymentStatus), {
    each: true,
    message: `payment_status must be a comma-separated list of ${Object.values(PaymentStatus).join(', ')}`,
  })
  payment_status?: PaymentStatus[];

  /** The customer's e-mail address, exactly (any case). */
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @Matches(/^[^\s@]+@[^\s@]+$/, { message: 'email must be an e-mail address' })
  email?: string;

  /** The customer's user id. */
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,64}$/, { message: 'user_id must be a user id (1 to 64 characters)' })
  user_id?: string;

  /** An order number, or its beginning (`ORD-20251124` finds that day's orders). */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,32}$/, {
    message: 'order_number must be an order number or its beginning (letters, digits, -)',
  })
  order_number?: string;

  /** Orders whose total is at least this many dollars (two decimals at most). */
  @IsOptional()
  @IsString()
  @Matches(DOLLARS, { message: 'total_min must be an amount in dollars with at most 2 decimals' })
  total_min?: string;

  /** Orders whose total is at most this many dollars (two decimals at most). */
  @IsOptional()
  @IsString()
  @Matches(DOLLARS, { message: 'total_max must be an amount in dollars with at most 2 decimals' })
  total_max?: string;

  /** Orders holding this product. */
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-fA-F]{24}$/, { message: 'product_id must be 24 hexadecimal characters' })
  product_id?: string;

  /** Free text (3 to 100 characters, any case) in the order number, e-mail or customer name. */
  @IsOptional()
  @IsHumanText(100)
  @MinLength(3)
  q?: string;

  /** `-created_at` (newest first, the default), `created_at`, `-total` or `total`. */
  @IsOptional()
  @IsIn(ORDER_SORTS, { message: `sort must be one of ${ORDER_SORTS.join(', ')}` })
  sort?: OrderSort;
}

/** The search's filters and sort, without paging: an export holds every match. */
export class ExportOrdersQueryDto extends OmitType(SearchOrdersQueryDto, [
  'page',
  'limit',
  'cursor',
  'include_total',
] as const) {
  /** One row per item (the order's columns repeated) instead of one per order. */
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  lines?: boolean;
}
