import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change that can make an access token stop being good is announced on the `ums_auth` channel
 * when its transaction commits, whoever makes it (any instance of the service, a script, psql):
 * - `s:<session id>`: a session was revoked, had its expiry changed, or was deleted;
 * - `u:<user id>`: a user's state, role, username or deletion changed, or a blacklist entry of theirs;
 * - `all`: one of those tables was truncated.
 * Each instance keeps the answers of its per-request check in memory and drops them on these
 * notifications (src/auth/auth-state.cache.ts). A login's last_login_at or a refresh's last_used_at
 * announce nothing.
 */
export class AuthChangeNotifications1795239000000 implements MigrationInterface {
  name = 'AuthChangeNotifications1795239000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION auth_notify_session() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('ums_auth', 's:' || OLD.id);
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION auth_notify_user() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('ums_auth', 'u:' || OLD.id);
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION auth_notify_blacklist() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('ums_auth', 'u:' || OLD.user_id); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('ums_auth', 'u:' || NEW.user_id); END IF;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION auth_notify_all() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('ums_auth', 'all');
        RETURN NULL;
      END
      $$`);

    await queryRunner.query(`
      CREATE TRIGGER auth_notify_session_update AFTER UPDATE ON sessions FOR EACH ROW
      WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
            OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.id IS DISTINCT FROM NEW.id)
      EXECUTE FUNCTION auth_notify_session()`);
    await queryRunner.query(
      `CREATE TRIGGER auth_notify_session_delete AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION auth_notify_session()`,
    );
    await queryRunner.query(`
      CREATE TRIGGER auth_notify_user_update AFTER UPDATE ON users FOR EACH ROW
      WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.role IS DISTINCT FROM NEW.role OR OLD.username IS DISTINCT FROM NEW.username
            OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.id IS DISTINCT FROM NEW.id)
      EXECUTE FUNCTION auth_notify_user()`);
    await queryRunner.query(
      `CREATE TRIGGER auth_notify_user_delete AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION auth_notify_user()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER auth_notify_blacklist AFTER INSERT OR UPDATE OR DELETE ON black_list FOR EACH ROW EXECUTE FUNCTION auth_notify_blacklist()`,
    );
    for (const table of ['sessions', 'users', 'black_list']) {
      await queryRunner.query(
        `CREATE TRIGGER auth_notify_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION auth_notify_all()`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['sessions', 'users', 'black_list']) await queryRunner.query(`DROP TRIGGER auth_notify_truncate ON ${table}`);
    await queryRunner.query(`DROP TRIGGER auth_notify_blacklist ON black_list`);
    await queryRunner.query(`DROP TRIGGER auth_notify_user_delete ON users`);
    await queryRunner.query(`DROP TRIGGER auth_notify_user_update ON users`);
    await queryRunner.query(`DROP TRIGGER auth_notify_session_delete ON sessions`);
    await queryRunner.query(`DROP TRIGGER auth_notify_session_update ON sessions`);
    await queryRunner.query(`DROP FUNCTION auth_notify_all()`);
    await queryRunner.query(`DROP FUNCTION auth_notify_blacklist()`);
    await queryRunner.query(`DROP FUNCTION auth_notify_user()`);
    await queryRunner.query(`DROP FUNCTION auth_notify_session()`);
  }
}
