import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A used refresh token remembers (encrypted) the token it was exchanged for, so a second exchange
 * within the grace window returns that same token instead of starting a second chain.
 */
export class RefreshTokenSuccessor1795237000000 implements MigrationInterface {
  name = 'RefreshTokenSuccessor1795237000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE refresh_tokens ADD COLUMN successor_enc text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE refresh_tokens DROP COLUMN successor_enc`);
  }
}
