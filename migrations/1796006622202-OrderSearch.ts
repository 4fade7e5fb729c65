import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes behind the admin search: one per filter, so that no filter, alone or with others,
 * reads the whole orders table. `pg_trgm` is a trusted extension: the database owner may create it.
 */
export class OrderSearch1796006622202 implements MigrationInterface {
  name = 'OrderSearch1796006622202';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(
      `CREATE INDEX "idx_order_items_product" ON "order_items"  ("product_id", "order_id") `,
    );
    await queryRunner.query(`CREATE INDEX "idx_orders_total" ON "orders"  ("total", "id") `);
    await queryRunner.query(
      `CREATE INDEX "idx_orders_payment_created" ON "orders"  ("payment_status", "created_at", "id") `,
    );
    // The expressions must stay exactly those of the search statements in orders.repository.ts,
    // or the planner cannot match them to these indexes.
    await queryRunner.query(
      `CREATE INDEX "idx_orders_email_created" ON "orders" (lower("customer_email"), "created_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_orders_number_prefix" ON "orders" ("order_number" varchar_pattern_ops)`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_orders_search_trgm" ON "orders" USING gin ((("order_number")::text || ' ' || ("customer_email")::text || ' ' || ("customer_name")::text) gin_trgm_ops)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_orders_search_trgm"`);
    await queryRunner.query(`DROP INDEX "public"."idx_orders_number_prefix"`);
    await queryRunner.query(`DROP INDEX "public"."idx_orders_email_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_orders_payment_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_orders_total"`);
    await queryRunner.query(`DROP INDEX "public"."idx_order_items_product"`);
    await queryRunner.query(`DROP EXTENSION IF EXISTS pg_trgm`);
  }
}
