import { Transform } from 'class-transformer';
import { IsEnum, IsOptional } from 'class-validator';
import { IsHumanText } from '../../common/validators';
import { OrderStatus, PaymentStatus } from '../order-process';

/**
 * `null` in a change means "not sent", the same as leaving the field out: a body of nothing but
 * nulls has nothing to change, and no column is ever cleared by accident.
 */
const NullIsAbsent = () =>
  Transform(({ value }: { value: unknown }) => (value === null ? undefined : value));

/** An admin's change to an order; at least one field. */
export class UpdateOrderDto {
  @NullIsAbsent()
  @IsOptional()
  @IsEnum(OrderStatus)
  status?: OrderStatus;

  @NullIsAbsent()
  @IsOptional()
  @IsEnum(PaymentStatus)
  payment_status?: PaymentStatus;

  @NullIsAbsent()
  @IsOptional()
  @IsHumanText(100)
  tracking_number?: string;

  @NullIsAbsent()
  @IsOptional()
  @IsHumanText(100)
  carrier?: string;

  @NullIsAbsent()
  @IsOptional()
  @IsHumanText(2000, { multiline: true })
  internal_notes?: string;

  /** Why the status changed; kept as the cancellation reason when cancelling. */
  @NullIsAbsent()
  @IsOptional()
  @IsHumanText(500, { multiline: true })
  reason?: string;
}

export class UpdateStatusDto {
  @NullIsAbsent()
  @IsEnum(OrderStatus)
  status: OrderStatus;

  @NullIsAbsent()
  @IsOptional()
  @IsHumanText(500, { multiline: true })
  reason?: string;
}

export class CancelOrderDto {
  @NullIsAbsent()
  @IsOptional()
  @IsHumanText(500, { multiline: true })
  reason?: string;
}
