import { Injectable } from '@nestjs/common';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import type { LoginResponse } from '../auth/dto/auth.responses';
import { AuthService } from '../auth/auth.service';
import { LoginLockoutService } from '../auth/login-lockout.service';
import { SessionsService } from '../auth/sessions.service';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { bilingual } from '../common/pipes/validation-messages';
import { PasswordHasher } from '../common/security/password-hasher';
import { AppConfig } from '../config/app-config';
import { Transactions, Tx } from '../database/transactions';
import { UsersService } from '../users/users.service';
import type { DisableTotpDto, MfaVerifyDto } from './dto/mfa.dto';
import { MfaStatusResponse, RecoveryCodesResponse, TotpEnrolmentResponse } from './dto/mfa.responses';
import { MfaRepository } from './mfa.repository';
import { MfaTokensService, sha256 } from './mfa-tokens.service';
import { PasskeysService } from './passkeys.service';
import { newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, openSecret, otpauthUri, sealSecret, totpStep } from './totp';

/** Why a second-factor attempt failed (audited; the client sees 40105 for each). */
type FactorFailure = 'wrong_code' | 'replayed_code' | 'wrong_recovery_code' | 'passkey_refused' | 'method_not_enrolled';

/**
 * TOTP with recovery codes, the login's second step and the staff reset. Wrong codes count toward the
 * same lockout as wrong passwords: at login under the key the password was typed with (kept on the
 * mfa_token's row), on signed-in routes under a per-account key, like PUT /auth/password.
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly repository: MfaRepository,
    private readonly mfaTokens: MfaTokensService,
    private readonly passkeys: PasskeysService,
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockoutService,
    private readonly audit: AuditLogService,
    private readonly policy: AccessPolicy,
  ) {}

  private key(): Buffer {
    if (!this.config.mfa.encryptionKey) throw new AppException(ErrorCode.MFA_UNAVAILABLE);
    return this.config.mfa.encryptionKey;
  }

  private secretOf(sealed: string): string {
    const secret = openSecret(this.key(), sealed);
    // A changed MFA_ENCRYPTION_KEY cannot open old secrets: the owner must be reset by staff.
    if (secret === null) throw new AppException(ErrorCode.MFA_UNAVAILABLE);
    return secret;
  }

  async status(user: AuthUser): Promise<MfaStatusResponse> {
    const [totp, recoveryCodes, passkeys, pending] = await Promise.all([
      this.repository.totp(user.id),
      this.repository.unusedRecoveryCodes(user.id),
      this.repository.passkeys(user.id),
      this.sessions.mfaEnrolmentPending(user.id),
    ]);
    return MfaStatusResponse.from({ totp, recoveryCodes, passkeys: passkeys.length, enrolmentRequired: pending, amr: user.amr ?? ['pwd'] });
  }

  /** Starts (or restarts) TOTP enrolment: a new secret, its otpauth:// URI and a QR code of it. */
  async startTotp(user: AuthUser): Promise<TotpEnrolmentResponse> {
    const key = this.key();
    const secret = newTotpSecret();
    if (!(await this.repository.savePendingTotp(user.id, sealSecret(key, secret))))
      throw AppException.conflict(bilingual('TOTP is already enabled: disable it first'));
    const uri = otpauthUri(secret, this.config.mfa.issuer, user.username);
    const { toString: qrSvg } = await import('qrcode');
    const svg = await qrSvg(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret, otpauth_uri: uri, qr_code: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  }

  /** Confirms enrolment with a first code: TOTP is on, and the 10 recovery codes are shown this once. */
  async confirmTotp(user: AuthUser, code: string, meta: RequestMeta): Promise<RecoveryCodesResponse> {
    const totp = await this.repository.totp(user.id);
    if (!totp || totp.confirmedAt) throw new AppException(ErrorCode.MFA_NOT_ENROLLED);
    const step = totpStep(this.secretOf(totp.secretEnc), code);
    if (step === null) throw new AppException(ErrorCode.MFA_CODE_WRONG);
    const codes = newRecoveryCodes();
    await this.transactions.run(async (tx) => {
      if (!(await this.repository.confirmTotp(tx, user.id, step))) throw new AppException(ErrorCode.MFA_NOT_ENROLLED);
      await this.repository.replaceRecoveryCodes(
        tx,
        user.id,
        codes.map((one) => sha256(normalizeRecoveryCode(one))),
      );
      await this.audit.record(
        { operation: AuditOperation.MFA_ENROLLED, userId: user.id, operatorId: user.id, meta, details: { method: 'totp' } },
        tx,
      );
    });
    return { recovery_codes: codes };
  }

  /** A new set of recovery codes (the old ones stop working), given a current TOTP code. */
  async regenerateRecoveryCodes(user: AuthUser, code: string, meta: RequestMeta): Promise<RecoveryCodesResponse> {
    const codes = newRecoveryCodes();
    await this.withSignedInCode(user, code, meta, async (tx) => {
      await this.repository.replaceRecoveryCodes(
        tx,
        user.id,
        codes.map((one) => sha256(normalizeRecoveryCode(one))),
      );
      await this.audit.record({ operation: AuditOperation.RECOVERY_CODES_REGENERATED, userId: user.id, operatorId: user.id, meta }, tx);
    });
    return { recovery_codes: codes };
  }

  /** Turns TOTP off (and its recovery codes), given the password and a current code. */
  async disableTotp(user: AuthUser, body: DisableTotpDto, meta: RequestMeta): Promise<void> {
    const lockKey = `mfa:${user.id}`;
    const locked = await this.lockout.lockedFor(lockKey);
    if (locked > 0) throw AppException.tooManyRequests(locked);
    const passwordHash = await this.users.passwordHashOf(user.id);
    if (!passwordHash || !(await this.hasher.verify(passwordHash, body.password))) {
      if (await this.lockout.recordFailure(lockKey)) throw AppException.tooManyRequests(await this.lockout.lockedFor(lockKey));
      throw AppException.validation([{ field: 'password', message: bilingual('the current password is incorrect') }]);
    }
    await this.withSignedInCode(user, body.code, meta, async (tx) => {
      await this.repository.deleteTotp(tx, user.id);
      await this.audit.record(
        { operation: AuditOperation.MFA_DISABLED, userId: user.id, operatorId: user.id, meta, details: { method: 'totp' } },
        tx,
      );
    });
  }

  /**
   * A signed-in action that needs a current TOTP code: a wrong or replayed one counts toward the
   * per-account lock `mfa:<id>` and is audited; the right one is spent (its step remembered) with the action.
   */
  private async withSignedInCode(user: AuthUser, code: string, meta: RequestMeta, action: (tx: Tx) => Promise<void>): Promise<void> {
    const lockKey = `mfa:${user.id}`;
    const locked = await this.lockout.lockedFor(lockKey);
    if (locked > 0) throw AppException.tooManyRequests(locked);
    const failure = await this.transactions.run(async (tx): Promise<FactorFailure | null> => {
      const totp = await this.repository.totp(user.id, tx, true);
      if (!totp?.confirmedAt) throw new AppException(ErrorCode.MFA_NOT_ENROLLED);
      const step = totpStep(this.secretOf(totp.secretEnc), code);
      if (step === null) return 'wrong_code';
      if (!(await this.repository.advanceStep(tx, user.id, step))) return 'replayed_code';
      await this.lockout.clear(lockKey, tx);
      await action(tx);
      return null;
    });
    if (failure) await this.refuseFactor(user.id, lockKey, failure, meta);
  }

  /** Counts and audits a failed second factor, then answers 40105 (or 42901 once the key is locked). */
  private async refuseFactor(userId: string, lockKey: string, reason: FactorFailure, meta: RequestMeta): Promise<never> {
    const lockedBefore = await this.lockout.recordFailure(lockKey);
    await this.audit.record({ operation: AuditOperation.MFA_FAILED, userId, operatorId: userId, meta, details: { reason } });
    if (lockedBefore) throw AppException.tooManyRequests(await this.lockout.lockedFor(lockKey));
    throw new AppException(ErrorCode.MFA_CODE_WRONG);
  }

  /**
   * The login's second step: the mfa_token (single use, 5 minutes, bound to its password step) and one
   * of a TOTP code, a recovery code or a passkey assertion; the answer is the token pair with `amr`.
   */
  async verify(body: MfaVerifyDto, meta: RequestMeta): Promise<LoginResponse> {
    const given = [body.code, body.recovery_code, body.passkey].filter((value) => value !== undefined).length;
    if (given !== 1) {
      throw AppException.validation([{ field: 'code', message: bilingual('give exactly one of code, recovery_code and passkey') }]);
    }
    const outcome = await this.transactions.run(async (tx) => {
      const step = await this.mfaTokens.lockUsable(tx, body.mfa_token);
      if (!step) throw new AppException(ErrorCode.MFA_TOKEN_INVALID);
      const locked = await this.lockout.lockedFor(step.lockKey, tx);
      if (locked > 0) throw AppException.tooManyRequests(locked);
      // Bound to the password step: a password changed since (or an account deleted) voids the token.
      const passwordHash = await this.users.passwordHashOf(step.userId);
      if (!passwordHash || sha256(passwordHash) !== step.passwordHashTag) throw new AppException(ErrorCode.MFA_TOKEN_INVALID);
      await this.refuseBlocked(step.userId);

      let amr: string[];
      let failure: FactorFailure | null = null;
      let usedRecoveryCode = false;
      if (body.passkey !== undefined) {
        amr = ['pwd', 'webauthn'];
        const ok = await this.passkeys.verifySecondFactor(tx, step.userId, step.tokenHash, body.passkey);
        if (!ok) failure = 'passkey_refused';
      } else {
        amr = ['pwd', 'otp'];
        const totp = await this.repository.totp(step.userId, tx, true);
        if (!totp?.confirmedAt) failure = 'method_not_enrolled';
        else if (body.code !== undefined) {
          const at = totpStep(this.secretOf(totp.secretEnc), body.code);
          if (at === null) failure = 'wrong_code';
          else if (!(await this.repository.advanceStep(tx, step.userId, at))) failure = 'replayed_code';
        } else if (!(await this.repository.useRecoveryCode(tx, step.userId, sha256(normalizeRecoveryCode(body.recovery_code ?? ''))))) {
          failure = 'wrong_recovery_code';
        } else usedRecoveryCode = true;
      }
      if (failure) return { kind: 'refused' as const, failure, step };

      await this.mfaTokens.markUsed(tx, step);
      if (usedRecoveryCode) {
        await this.audit.record({ operation: AuditOperation.RECOVERY_CODE_USED, userId: step.userId, operatorId: step.userId, meta }, tx);
      }
      const signedIn = await this.auth.signInWithin(tx, { userId: step.userId, meta, lockKey: step.lockKey, amr });
      if (!('user' in signedIn)) throw AppException.tooManyRequests(signedIn.lockedSeconds);
      return { kind: 'signed-in' as const, signedIn, amr };
    });
    if (outcome.kind === 'refused') return this.refuseFactor(outcome.step.userId, outcome.step.lockKey, outcome.failure, meta);
    return this.auth.loginAnswer(outcome.signedIn, outcome.amr);
  }

  /** What blocks a login blocks its second step too (a deleted account's token is simply invalid). */
  private async refuseBlocked(userId: string): Promise<void> {
    const [block] = await this.sessions.blocksOf(userId);
    if (block === 'deleted') throw new AppException(ErrorCode.MFA_TOKEN_INVALID);
    if (block === 'disabled') throw new AppException(ErrorCode.ACCOUNT_DISABLED);
    if (block === 'blacklisted') throw new AppException(ErrorCode.ACCOUNT_BLACKLISTED);
  }

  /** Staff reset: every factor of the user goes (TOTP, recovery codes, passkeys), and so do their sessions. */
  async reset(actor: AuthUser, userId: string, meta: RequestMeta): Promise<void> {
    const target = await this.users.findById(userId);
    if (!target) throw AppException.notFound();
    this.policy.assert(actor, 'mfa.reset', target);
    await this.transactions.run(async (tx) => {
      const hadTotp = await this.repository.deleteTotp(tx, userId);
      const passkeys = await this.repository.deleteAllPasskeys(tx, userId);
      await this.sessions.revokeAllForUser(userId, 'mfa_reset', tx);
      await this.audit.record(
        { operation: AuditOperation.MFA_RESET, userId, operatorId: actor.id, meta, details: { totp: hadTotp, passkeys } },
        tx,
      );
    });
  }
}
