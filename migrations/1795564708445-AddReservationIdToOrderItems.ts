import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddReservationIdToOrderItems1795564708445 implements MigrationInterface {
  name = 'AddReservationIdToOrderItems1795564708445';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "order_items" ADD "reservation_id" character varying(100)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "order_items" DROP COLUMN "reservation_id"`);
  }
}
