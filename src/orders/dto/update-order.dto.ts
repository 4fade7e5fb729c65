import { IsEnum, IsOptional } from 'class-validator';
import { IsHumanText } from '../../common/validators';
import { OrderStatus, PaymentStatus } from '../order-process';

/** An admin's change to an order; at least one field. */
export class UpdateOrderDto {
  @IsOptional()
  @IsEnum(OrderStatus)
  status?: OrderStatus;

  @IsOptional()
  @IsEnum(PaymentStatus)
  payment_status?: PaymentStatus;

  @IsOptional()
  @IsHumanText(100)
  tracking_number?: string;

  @IsOptional()
  @IsHumanText(100)
  carrier?: string;

  @IsOptional()
  @IsHumanText(2000, { multiline: true })
  internal_notes?: string;

  /** Why the status changed; kept as the cancellation reason when cancelling. */
  @IsOptional()
  @IsHumanText(500, { multiline: true })
  reason?: string;
}

export class UpdateStatusDto {
  @IsEnum(OrderStatus)
  status: OrderStatus;

  @IsOptional()
  @IsHumanText(500, { multiline: true })
  reason?: string;
}

export class CancelOrderDto {
  @IsOptional()
  @IsHumanText(500, { multiline: true })
  reason?: string;
}
