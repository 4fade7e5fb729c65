import { Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_CENTS } from '../../common/money';

/** Identifiers of the Payment Service: printable, no spaces. */
const TOKEN = /^[\x21-\x7e]+$/;

export class PaymentEventDataDto {
  /** The order the payment is for. */
  @IsUUID()
  order_id: string;

  /** The Payment Service's payment; kept on the order from the first event. */
  @IsString()
  @Length(1, 255)
  @Matches(TOKEN, { message: 'payment_intent_id must be printable characters without spaces' })
  payment_intent_id: string;

  /** Integer cents. */
  @IsInt()
  @Min(0)
  @Max(MAX_CENTS)
  amount: number;

  /** ISO 4217, upper case. */
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be three upper-case letters' })
  currency: string;

  /** The refund (as `GET /api/orders/:id/refunds` names it) a refund event is about. */
  @IsOptional()
  @IsString()
  @Length(1, 255)
  @Matches(TOKEN, { message: 'refund_id must be printable characters without spaces' })
  refund_id?: string;
}

/** One delivery of the Payment Service's webhook. */
export class PaymentEventDto {
  /** Unique per event: a delivery with an id already seen changes nothing. */
  @IsString()
  @Length(1, 255)
  @Matches(TOKEN, { message: 'id must be printable characters without spaces' })
  id: string;

  /** payment.authorized, payment.captured, payment.failed, payment.refunded; others are ignored. */
  @IsString()
  @Length(1, 64)
  @Matches(TOKEN, { message: 'type must be printable characters without spaces' })
  type: string;

  /** When the event happened, in unix seconds. */
  @IsInt()
  @Min(0)
  created: number;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PaymentEventDataDto)
  data: PaymentEventDataDto;
}

export class PaymentWebhookResponseDto {
  received: true;
  /** applied, duplicate, or ignored:<why> / flagged:<why>. */
  outcome: string;
}
