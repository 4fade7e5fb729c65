import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddOrderEventsAndIdempotencyKeys1795564467183 implements MigrationInterface {
  name = 'AddOrderEventsAndIdempotencyKeys1795564467183';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "idempotency_keys" ("user_id" character varying(64) NOT NULL, "key" character varying(255) NOT NULL, "request_hash" character(64) NOT NULL, "response_status" smallint, "response_body" json, "locked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_392b1af86f210d98d3f0c764728" PRIMARY KEY ("user_id", "key"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_idempotency_keys_created" ON "idempotency_keys"  ("created_at") `,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."order_event_type" AS ENUM('created', 'status_changed', 'payment_status_changed', 'tracking_updated', 'note_added')`,
    );
    await queryRunner.query(
      `CREATE TABLE "order_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "order_id" uuid NOT NULL, "type" "public"."order_event_type" NOT NULL, "from_status" "public"."order_status", "to_status" "public"."order_status", "from_payment_status" "public"."payment_status", "to_payment_status" "public"."payment_status", "details" jsonb, "actor_id" character varying(64) NOT NULL, "actor_role" character varying(16) NOT NULL, "reason" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_cc1b82b0fcf1be577d9d7ecbf8b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_order_events_order" ON "order_events"  ("order_id", "id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "order_events" ADD CONSTRAINT "fk_order_events_order" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "order_events" DROP CONSTRAINT "fk_order_events_order"`);
    await queryRunner.query(`DROP INDEX "public"."idx_order_events_order"`);
    await queryRunner.query(`DROP TABLE "order_events"`);
    await queryRunner.query(`DROP TYPE "public"."order_event_type"`);
    await queryRunner.query(`DROP INDEX "public"."idx_idempotency_keys_created"`);
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
  }
}
