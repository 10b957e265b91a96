import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The second factor (issue 14): TOTP secrets (encrypted with MFA_ENCRYPTION_KEY), recovery codes
 * (SHA-256, single use), the mfa_token of a login's password step (hashed, single use, 5 minutes),
 * passkeys (WebAuthn credentials) and their ceremony challenges (server-side, single use, short-lived,
 * so any instance can finish a ceremony another began), and each session's `amr` (how it signed in),
 * which refresh carries on.
 */
export class SecondFactor1795246000000 implements MigrationInterface {
  name = 'SecondFactor1795246000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE mfa_totp (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        secret_enc text NOT NULL,
        confirmed_at timestamptz,
        last_step bigint,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE mfa_recovery_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash char(64) NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id, code_hash)`);
    await queryRunner.query(`
      CREATE TABLE mfa_tokens (
        token_hash char(64) PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        lock_key varchar(300) NOT NULL,
        password_hash_tag char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX mfa_tokens_expires_idx ON mfa_tokens (expires_at)`);
    await queryRunner.query(`
      CREATE TABLE passkeys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        credential_id varchar(1400) NOT NULL UNIQUE,
        public_key bytea NOT NULL,
        counter bigint NOT NULL DEFAULT 0,
        transports text[] NOT NULL DEFAULT '{}',
        name varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX passkeys_user_idx ON passkeys (user_id)`);
    await queryRunner.query(`
      CREATE TABLE webauthn_challenges (
        challenge varchar(128) PRIMARY KEY,
        purpose varchar(16) NOT NULL CHECK (purpose IN ('register', 'second_factor', 'passwordless')),
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        mfa_token_hash char(64),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX webauthn_challenges_expires_idx ON webauthn_challenges (expires_at)`);
    await queryRunner.query(`ALTER TABLE sessions ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sessions DROP COLUMN amr`);
    for (const table of ['webauthn_challenges', 'passkeys', 'mfa_tokens', 'mfa_recovery_codes', 'mfa_totp'])
      await queryRunner.query(`DROP TABLE ${table}`);
  }
}
