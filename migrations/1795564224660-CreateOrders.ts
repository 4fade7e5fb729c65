import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrders1795564224660 implements MigrationInterface {
  name = 'CreateOrders1795564224660';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "order_items" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "order_id" uuid NOT NULL, "position" smallint NOT NULL, "product_id" character varying(24) NOT NULL, "product_name" character varying(500) NOT NULL, "product_sku" character varying(100) NOT NULL, "product_image" text, "unit_price" numeric(12,2) NOT NULL, "quantity" integer NOT NULL, "subtotal" numeric(12,2) NOT NULL, "product_attributes" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chk_order_items_line" CHECK ("position" >= 0 AND "quantity" > 0 AND "unit_price" >= 0 AND "subtotal" >= 0), CONSTRAINT "PK_005269d8574e6fac0493715c308" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_order_items_order" ON "order_items"  ("order_id") `);
    await queryRunner.query(
      `CREATE TYPE "public"."order_status" AS ENUM('pending', 'confirmed', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."payment_status" AS ENUM('pending', 'completed', 'failed', 'refunded')`,
    );
    await queryRunner.query(
      `CREATE TABLE "orders" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "order_number" character varying(32) NOT NULL, "user_id" character varying(64) NOT NULL, "customer_email" character varying(254) NOT NULL, "customer_name" character varying(200) NOT NULL, "status" "public"."order_status" NOT NULL DEFAULT 'pending', "payment_status" "public"."payment_status" NOT NULL DEFAULT 'pending', "subtotal" numeric(12,2) NOT NULL, "tax" numeric(12,2) NOT NULL, "shipping_cost" numeric(12,2) NOT NULL, "discount" numeric(12,2) NOT NULL DEFAULT '0', "total" numeric(12,2) NOT NULL, "currency" character(3) NOT NULL DEFAULT 'USD', "shipping_address" jsonb NOT NULL, "billing_address" jsonb NOT NULL, "payment_method" character varying(50) NOT NULL, "payment_intent_id" character varying(255), "tracking_number" character varying(100), "carrier" character varying(100), "customer_notes" text, "internal_notes" text, "cancellation_reason" text, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "confirmed_at" TIMESTAMP WITH TIME ZONE, "shipped_at" TIMESTAMP WITH TIME ZONE, "delivered_at" TIMESTAMP WITH TIME ZONE, "cancelled_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "chk_orders_money" CHECK ("subtotal" >= 0 AND "tax" >= 0 AND "shipping_cost" >= 0 AND "discount" >= 0 AND "total" >= 0), CONSTRAINT "PK_710e2d4957aa5878dfe94e4ac2f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_orders_order_number" ON "orders"  ("order_number") `,
    );
    await queryRunner.query(`CREATE INDEX "idx_orders_created" ON "orders"  ("created_at", "id") `);
    await queryRunner.query(
      `CREATE INDEX "idx_orders_status_created" ON "orders"  ("status", "created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_orders_user_created" ON "orders"  ("user_id", "created_at", "id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "order_items" ADD CONSTRAINT "fk_order_items_order" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "order_items" DROP CONSTRAINT "fk_order_items_order"`);
    await queryRunner.query(`DROP INDEX "public"."idx_orders_user_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_orders_status_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_orders_created"`);
    await queryRunner.query(`DROP INDEX "public"."uq_orders_order_number"`);
    await queryRunner.query(`DROP TABLE "orders"`);
    await queryRunner.query(`DROP TYPE "public"."payment_status"`);
    await queryRunner.query(`DROP TYPE "public"."order_status"`);
    await queryRunner.query(`DROP INDEX "public"."idx_order_items_order"`);
    await queryRunner.query(`DROP TABLE "order_items"`);
  }
}
