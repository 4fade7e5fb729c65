import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments: the webhook's event log (its primary key makes a repeated delivery change nothing),
 * refunds line by line, the captured amount on the order, and the payment statuses and history
 * entries the Payment Service's news needs.
 */
export class PaymentsAndRefunds1796006741363 implements MigrationInterface {
  name = 'PaymentsAndRefunds1796006741363';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "payment_events" ("id" character varying(255) NOT NULL, "type" character varying(64) NOT NULL, "order_id" uuid NOT NULL, "payload" jsonb NOT NULL, "outcome" character varying(64) NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9f1d16fc78b33e676940a32e8b5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_payment_events_order" ON "payment_events"  ("order_id", "received_at") `,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."refund_status" AS ENUM('pending', 'succeeded', 'failed')`,
    );
    await queryRunner.query(
      `CREATE TABLE "refunds" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "order_id" uuid NOT NULL, "status" "public"."refund_status" NOT NULL DEFAULT 'pending', "amount" numeric(12,2) NOT NULL, "subtotal" numeric(12,2) NOT NULL, "tax" numeric(12,2) NOT NULL, "discount" numeric(12,2) NOT NULL, "shipping_cost" numeric(12,2) NOT NULL, "currency" character(3) NOT NULL, "lines" jsonb NOT NULL, "reason" text, "requested_by" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "settled_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "chk_refunds_money" CHECK ("amount" > 0 AND "subtotal" >= 0 AND "shipping_cost" >= 0), CONSTRAINT "PK_5106efb01eeda7e49a78b869738" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_refunds_order" ON "refunds"  ("order_id", "created_at") `,
    );
    await queryRunner.query(`ALTER TABLE "orders" ADD "amount_captured" numeric(12,2)`);
    // Orders paid before amounts were recorded were paid in full.
    await queryRunner.query(
      `UPDATE "orders" SET "amount_captured" = "total" WHERE "payment_status" = 'completed'`,
    );
    for (const value of [
      'payment_event_ignored',
      'payment_flagged',
      'refund_requested',
      'refund_succeeded',
      'refund_failed',
    ]) {
      await queryRunner.query(
        `ALTER TYPE "public"."order_event_type" ADD VALUE IF NOT EXISTS '${value}'`,
      );
    }
    // One type for the three columns that use it; in the order the entity lists them.
    await queryRunner.query(
      `ALTER TYPE "public"."payment_status" ADD VALUE IF NOT EXISTS 'authorized' AFTER 'pending'`,
    );
    await queryRunner.query(
      `ALTER TYPE "public"."payment_status" ADD VALUE IF NOT EXISTS 'partially_refunded' AFTER 'failed'`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_events" ADD CONSTRAINT "fk_payment_events_order" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "refunds" ADD CONSTRAINT "fk_refunds_order" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refunds" DROP CONSTRAINT "fk_refunds_order"`);
    await queryRunner.query(
      `ALTER TABLE "payment_events" DROP CONSTRAINT "fk_payment_events_order"`,
    );
    // Authorized money was not taken yet; money partly given back was taken.
    const older = `CASE "$c"::text WHEN 'authorized' THEN 'pending'
      WHEN 'partially_refunded' THEN 'completed' ELSE "$c"::text END`;
    await queryRunner.query(
      `CREATE TYPE "public"."payment_status_old" AS ENUM('pending', 'completed', 'failed', 'refunded')`,
    );
    await queryRunner.query(`ALTER TABLE "orders" ALTER COLUMN "payment_status" DROP DEFAULT`);
    for (const [table, column] of [
      ['orders', 'payment_status'],
      ['order_events', 'from_payment_status'],
      ['order_events', 'to_payment_status'],
    ]) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ALTER COLUMN "${column}" TYPE "public"."payment_status_old" USING (${older.replace(/\$c/g, column)})::"public"."payment_status_old"`,
      );
    }
    await queryRunner.query(`DROP TYPE "public"."payment_status"`);
    await queryRunner.query(`ALTER TYPE "public"."payment_status_old" RENAME TO "payment_status"`);
    await queryRunner.query(
      `ALTER TABLE "orders" ALTER COLUMN "payment_status" SET DEFAULT 'pending'`,
    );
    await queryRunner.query(
      `DELETE FROM "order_events" WHERE "type" IN ('payment_event_ignored', 'payment_flagged', 'refund_requested', 'refund_succeeded', 'refund_failed')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."order_event_type_old" AS ENUM('created', 'status_changed', 'payment_status_changed', 'tracking_updated', 'note_added', 'stock_flagged', 'stock_reserved_again')`,
    );
    await queryRunner.query(
      `ALTER TABLE "order_events" ALTER COLUMN "type" TYPE "public"."order_event_type_old" USING "type"::"text"::"public"."order_event_type_old"`,
    );
    await queryRunner.query(`DROP TYPE "public"."order_event_type"`);
    await queryRunner.query(
      `ALTER TYPE "public"."order_event_type_old" RENAME TO "order_event_type"`,
    );
    // Flags of a kind the older code does not know would break its reads.
    await queryRunner.query(
      `UPDATE "orders" SET "flags" = coalesce((SELECT jsonb_agg(f) FROM jsonb_array_elements("flags") f
         WHERE f->>'code' <> 'payment_mismatch'), '[]'::jsonb) WHERE "flags" <> '[]'::jsonb`,
    );
    await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "amount_captured"`);
    await queryRunner.query(`DROP INDEX "public"."idx_refunds_order"`);
    await queryRunner.query(`DROP TABLE "refunds"`);
    await queryRunner.query(`DROP TYPE "public"."refund_status"`);
    await queryRunner.query(`DROP INDEX "public"."idx_payment_events_order"`);
    await queryRunner.query(`DROP TABLE "payment_events"`);
  }
}
