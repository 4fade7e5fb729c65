import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsUUID,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsHumanText } from '../../common/validators';
import { MAX_ITEMS, MAX_QUANTITY } from '../../orders/dto/create-order.dto';
import type { RefundStatus } from '../refund.entity';

export class RefundLineInputDto {
  /** The order's line (`items[].id`). */
  @IsUUID()
  item_id: string;

  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity: number;
}

/** Lines and/or shipping to give back; the service computes the amount. */
export class CreateRefundDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ITEMS)
  @IsObject({ each: true, message: 'each of lines must be an object' })
  @ValidateNested({ each: true })
  @Type(() => RefundLineInputDto)
  // Explicit: ts-jest's per-file compilation leaves the Swagger plugin without array types.
  @ApiPropertyOptional({ type: () => [RefundLineInputDto] })
  lines?: RefundLineInputDto[];

  /** Give the shipping back too (once per order). */
  @IsOptional()
  @IsBoolean()
  shipping?: boolean;

  /** Why; admins only ever see it. */
  @IsOptional()
  @IsHumanText(500, { multiline: true })
  reason?: string;
}

export class RefundLineResponseDto {
  item_id: string;
  quantity: number;
  /** Dollars. */
  unit_price: number;
  subtotal: number;
}

export class RefundResponseDto {
  id: string;
  order_id: string;
  status: RefundStatus;
  /** Dollars: subtotal + tax − discount + shipping_cost. */
  amount: number;
  currency: string;
  subtotal: number;
  tax: number;
  discount: number;
  shipping_cost: number;
  @ApiProperty({ type: () => [RefundLineResponseDto] })
  lines: RefundLineResponseDto[];
  /** Admins only. */
  reason?: string | null;
  created_at: Date;
  settled_at: Date | null;
}

export class RefundListResponseDto {
  order_id: string;
  /** Oldest first. */
  @ApiProperty({ type: () => [RefundResponseDto] })
  refunds: RefundResponseDto[];
}

export interface RefundResult {
  refund: RefundResponseDto;
  replayed?: boolean;
}
