import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The order process (an on-hold status, stock flags, per-line stock state, event sequence
 * numbers) and the transactional outbox its effects go through.
 */
export class OrderProcessAndOutbox1796005180374 implements MigrationInterface {
  name = 'OrderProcessAndOutbox1796005180374';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "outbox" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "order_id" uuid NOT NULL, "topic" character varying(32) NOT NULL, "kind" character varying(64) NOT NULL, "payload" jsonb NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "available_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "leased_until" TIMESTAMP WITH TIME ZONE, "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "processed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_340ab539f309f03bdaa14aa7649" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_outbox_processed" ON "outbox"  ("processed_at") WHERE "processed_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_outbox_order_pending" ON "outbox"  ("order_id", "topic", "id") WHERE "processed_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_outbox_pending" ON "outbox"  ("id") WHERE "processed_at" IS NULL`,
    );
    await queryRunner.query(`ALTER TABLE "order_items" ADD "stock_status" character varying(16)`);
    // Holds made before lines kept their state: pending orders still hold them, cancelled ones
    // let them go, every other order had them confirmed.
    await queryRunner.query(
      `UPDATE "order_items" i SET "stock_status" = CASE o."status"
         WHEN 'pending' THEN 'held' WHEN 'cancelled' THEN 'released' ELSE 'confirmed' END
       FROM "orders" o WHERE o."id" = i."order_id" AND i."reservation_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TYPE "public"."order_status" ADD VALUE IF NOT EXISTS 'on_hold' AFTER 'processing'`,
    );
    await queryRunner.query(`ALTER TABLE "orders" ADD "held_from" "public"."order_status"`);
    await queryRunner.query(`ALTER TABLE "orders" ADD "flags" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(
      `ALTER TABLE "orders" ADD "event_sequence" integer NOT NULL DEFAULT '0'`,
    );
    // Earlier changes count as the events they would have been, so a consumer's sequence check
    // holds for what comes next.
    await queryRunner.query(
      `UPDATE "orders" o SET "event_sequence" = (SELECT count(*) FROM "order_events" e
         WHERE e."order_id" = o."id" AND e."type" <> 'note_added')`,
    );
    await queryRunner.query(
      `ALTER TYPE "public"."order_event_type" ADD VALUE IF NOT EXISTS 'stock_flagged'`,
    );
    await queryRunner.query(
      `ALTER TYPE "public"."order_event_type" ADD VALUE IF NOT EXISTS 'stock_reserved_again'`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_orders_flagged_created" ON "orders"  ("created_at", "id") WHERE "flags" <> '[]'::jsonb`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_orders_flagged_created"`);
    await queryRunner.query(
      `DELETE FROM "order_events" WHERE "type" IN ('stock_flagged', 'stock_reserved_again')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."order_event_type_old" AS ENUM('created', 'status_changed', 'payment_status_changed', 'tracking_updated', 'note_added')`,
    );
    await queryRunner.query(
      `ALTER TABLE "order_events" ALTER COLUMN "type" TYPE "public"."order_event_type_old" USING "type"::"text"::"public"."order_event_type_old"`,
    );
    await queryRunner.query(`DROP TYPE "public"."order_event_type"`);
    await queryRunner.query(
      `ALTER TYPE "public"."order_event_type_old" RENAME TO "order_event_type"`,
    );
    // An order on hold goes back to the status it was held from; the history keeps the hold
    // as a change to that status.
    await queryRunner.query(
      `UPDATE "orders" SET "status" = "held_from" WHERE "status" = 'on_hold'`,
    );
    await queryRunner.query(
      `UPDATE "order_events" SET "to_status" = 'processing' WHERE "to_status" = 'on_hold'`,
    );
    await queryRunner.query(
      `UPDATE "order_events" SET "from_status" = 'processing' WHERE "from_status" = 'on_hold'`,
    );
    await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "held_from"`);
    await queryRunner.query(`DROP INDEX "public"."idx_orders_status_created"`);
    await queryRunner.query(
      `CREATE TYPE "public"."order_status_old" AS ENUM('pending', 'confirmed', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded')`,
    );
    await queryRunner.query(`ALTER TABLE "orders" ALTER COLUMN "status" DROP DEFAULT`);
    for (const [table, column] of [
      ['orders', 'status'],
      ['order_events', 'from_status'],
      ['order_events', 'to_status'],
    ]) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ALTER COLUMN "${column}" TYPE "public"."order_status_old" USING "${column}"::"text"::"public"."order_status_old"`,
      );
    }
    await queryRunner.query(`DROP TYPE "public"."order_status"`);
    await queryRunner.query(`ALTER TYPE "public"."order_status_old" RENAME TO "order_status"`);
    await queryRunner.query(`ALTER TABLE "orders" ALTER COLUMN "status" SET DEFAULT 'pending'`);
    await queryRunner.query(
      `CREATE INDEX "idx_orders_status_created" ON "orders"  ("status", "created_at", "id") `,
    );
    await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "event_sequence"`);
    await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "flags"`);
    await queryRunner.query(`ALTER TABLE "order_items" DROP COLUMN "stock_status"`);
    await queryRunner.query(`DROP INDEX "public"."idx_outbox_pending"`);
    await queryRunner.query(`DROP INDEX "public"."idx_outbox_order_pending"`);
    await queryRunner.query(`DROP INDEX "public"."idx_outbox_processed"`);
    await queryRunner.query(`DROP TABLE "outbox"`);
  }
}
