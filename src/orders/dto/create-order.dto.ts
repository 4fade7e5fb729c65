import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsHumanText } from '../../common/validators';

export const MAX_ITEMS = 50;
export const MAX_QUANTITY = 1000;
export const PAYMENT_METHODS = [
  'credit_card',
  'debit_card',
  'paypal',
  'bank_transfer',
  'cash_on_delivery',
] as const;

export class OrderItemInputDto {
  /** The Product Service id of the product: 24 hexadecimal characters. */
  @Matches(/^[0-9a-fA-F]{24}$/, { message: 'product_id must be 24 hexadecimal characters' })
  product_id: string;

  /** A whole number from 1 to 1000. */
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity: number;
}

/** The platform's address keys, as the User Service stores them. */
export class AddressDto {
  @IsHumanText(200) street: string;
  @IsHumanText(100) city: string;
  @IsHumanText(100) state: string;
  @IsHumanText(20) zipCode: string;
  @IsHumanText(100) country: string;
}

/**
 * What a customer may say about a new order. Prices, totals, status, owner and number are the
 * server's alone: sending any of them is a 400, not silently ignored.
 */
export class CreateOrderDto {
  /** 1 to 50 lines; the same product twice is merged into one line. */
  // Explicit: ts-jest's per-file compilation leaves the Swagger plugin without array types.
  @ApiProperty({ type: () => [OrderItemInputDto], minItems: 1, maxItems: MAX_ITEMS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ITEMS)
  // ValidateNested passes an element that is itself an array (nothing in it to validate).
  @IsObject({ each: true, message: 'each of items must be an object' })
  @ValidateNested({ each: true })
  @Type(() => OrderItemInputDto)
  items: OrderItemInputDto[];

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  shipping_address: AddressDto;

  /** Defaults to the shipping address. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  billing_address?: AddressDto;

  /** Up to 1000 characters; blank means no notes. */
  @IsOptional()
  @IsHumanText(1000, { multiline: true, allowBlank: true })
  customer_notes?: string;

  /** Defaults to credit_card. */
  @IsOptional()
  @IsIn(PAYMENT_METHODS)
  payment_method?: (typeof PAYMENT_METHODS)[number];
}
