import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Mail and account tokens (issue 13). `mail_outbox` holds every message, written in the transaction of
 * the change that causes it; its payload (which holds the link, so the token) is sealed and is erased
 * once the message is sent or given up. `account_tokens` holds password-reset and email-verification
 * tokens as SHA-256 hashes. Users get `email_verified_at` and `pending_email` (an address waiting for
 * confirmation); accounts that exist before this migration count as verified (their addresses were
 * accepted before verification existed, and locking them out with EMAIL_VERIFICATION=required would be
 * a surprise). pg-boss's own tables live in the `pgboss` schema, which pg-boss creates and upgrades itself.
 */
export class MailOutbox1795245000000 implements MigrationInterface {
  name = 'MailOutbox1795245000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN email_verified_at timestamptz, ADD COLUMN pending_email varchar(254)`);
    await queryRunner.query(`UPDATE users SET email_verified_at = created_at`);
    await queryRunner.query(`
      CREATE TABLE account_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose varchar(20) NOT NULL CHECK (purpose IN ('password_reset', 'email_verify')),
        token_hash char(64) NOT NULL UNIQUE,
        email varchar(254),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX account_tokens_open ON account_tokens (user_id, purpose) WHERE used_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE mail_outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        template varchar(40) NOT NULL,
        recipient varchar(254) NOT NULL,
        user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        language varchar(5) NOT NULL,
        payload_enc text,
        status varchar(10) NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'sending', 'retrying', 'sent', 'failed', 'suppressed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error varchar(500),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        last_attempt_at timestamptz,
        sent_at timestamptz,
        message_id varchar(200)
      )`);
    await queryRunner.query(`CREATE INDEX mail_outbox_recipient ON mail_outbox (recipient, template, created_at)`);
    await queryRunner.query(`CREATE INDEX mail_outbox_user ON mail_outbox (user_id, template, created_at)`);
    await queryRunner.query(`CREATE INDEX mail_outbox_created ON mail_outbox (created_at DESC, id DESC)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE mail_outbox`);
    await queryRunner.query(`DROP TABLE account_tokens`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN pending_email, DROP COLUMN email_verified_at`);
  }
}
