import { MigrationInterface, QueryRunner } from 'typeorm';
import { AuthChangeNotifications1795239000000 } from './1795239000000-AuthChangeNotifications';

/**
 * The per-process session cache is gone (every request now checks its session in the database, by
 * the one definition in src/auth/sessions.repository.ts), and with it the triggers that announced
 * auth changes on LISTEN/NOTIFY for it (migration AuthChangeNotifications). Down puts them back.
 */
export class DropAuthChangeNotifications1795241000000 implements MigrationInterface {
  name = 'DropAuthChangeNotifications1795241000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['sessions', 'users', 'black_list'])
      await queryRunner.query(`DROP TRIGGER IF EXISTS auth_notify_truncate ON ${table}`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS auth_notify_blacklist ON black_list`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS auth_notify_user_delete ON users`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS auth_notify_user_update ON users`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS auth_notify_session_delete ON sessions`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS auth_notify_session_update ON sessions`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS auth_notify_all()`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS auth_notify_blacklist()`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS auth_notify_user()`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS auth_notify_session()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await new AuthChangeNotifications1795239000000().up(queryRunner);
  }
}
