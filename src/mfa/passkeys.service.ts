import { Injectable } from '@nestjs/common';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import type { LoginResponse } from '../auth/dto/auth.responses';
import { AuthService } from '../auth/auth.service';
import { SessionsService } from '../auth/sessions.service';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { AppConfig } from '../config/app-config';
import { Transactions, Tx } from '../database/transactions';
import { PasskeyResponse, WebAuthnOptionsResponse } from './dto/mfa.responses';
import { ChallengePurpose, MfaRepository, PasskeyRow } from './mfa.repository';
import { MfaTokensService } from './mfa-tokens.service';

/** How long a ceremony's challenge stays valid. */
const CHALLENGE_TTL_SECONDS = 300;

/** A user id as WebAuthn's user handle: the UUID's 16 bytes. */
const userHandle = (userId: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(userId.replace(/-/g, ''), 'hex'));
const handleToUserId = (handle: string): string | null => {
  const hex = Buffer.from(handle, 'base64url').toString('hex');
  return hex.length === 32 ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : null;
};

/** The challenge a client answered, read from its clientDataJSON; null when the shape is not a WebAuthn response. */
function answeredChallenge(credential: Record<string, unknown>): string | null {
  try {
    const response = credential.response as { clientDataJSON?: unknown } | undefined;
    if (typeof response?.clientDataJSON !== 'string' || response.clientDataJSON.length > 4096) return null;
    const clientData = JSON.parse(Buffer.from(response.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof clientData.challenge === 'string' && clientData.challenge.length <= 128 ? clientData.challenge : null;
  } catch {
    return null;
  }
}

/** @simplewebauthn/server, loaded with the first passkey ceremony rather than at start-up (docs/architecture.md, Memory). */
const importWebauthn = () => import('@simplewebauthn/server');
let webauthnModule: ReturnType<typeof importWebauthn> | undefined;
const webauthn = () => (webauthnModule ??= importWebauthn());

/**
 * Passkeys (WebAuthn, @simplewebauthn/server): registration by a signed-in user, the second factor
 * after a password, and passwordless sign-in with discoverable credentials. Every challenge lives in
 * PostgreSQL (any instance can finish a ceremony another began), is spent before its response is
 * checked (single use even when the check fails) and lasts 5 minutes; counters must move forward.
 */
@Injectable()
export class PasskeysService {
  constructor(
    private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly repository: MfaRepository,
    private readonly mfaTokens: MfaTokensService,
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLogService,
  ) {}

  private async remember(
    challenge: string,
    purpose: ChallengePurpose,
    userId: string | null,
    mfaTokenHash: string | null = null,
  ): Promise<void> {
    await this.repository.insertChallenge({ challenge, purpose, userId, mfaTokenHash, ttlSeconds: CHALLENGE_TTL_SECONDS });
  }

  /** Spends the challenge the client answered; 40004 unless it was ours, for this purpose, user and step, and fresh. */
  private async spend(
    credential: Record<string, unknown>,
    purpose: ChallengePurpose,
    userId: string | null,
    mfaTokenHash: string | null = null,
  ): Promise<string> {
    const challenge = answeredChallenge(credential);
    if (!challenge || !(await this.repository.consumeChallenge(challenge, purpose, userId, mfaTokenHash)))
      throw new AppException(ErrorCode.PASSKEY_VERIFICATION_FAILED);
    return challenge;
  }

  /** One's passkeys, oldest first (a handful per person: paged in memory; the collection takes no filters, so count = total). */
  async list(user: AuthUser, page: PaginationQuery): Promise<Page<PasskeyResponse>> {
    const rows = await this.repository.passkeys(user.id);
    const slice = rows.slice((page.page - 1) * page.limit, page.page * page.limit);
    return toPage(
      slice.map((row) => PasskeyResponse.from(row)),
      rows.length,
      rows.length,
      page,
    );
  }

  async registrationOptions(user: AuthUser): Promise<WebAuthnOptionsResponse> {
    const existing = await this.repository.passkeys(user.id);
    const options = await (
      await webauthn()
    ).generateRegistrationOptions({
      rpName: this.config.webauthn.rpName,
      rpID: this.config.webauthn.rpId,
      userName: user.username,
      userID: userHandle(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((row) => ({ id: row.credentialId, transports: row.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      timeout: CHALLENGE_TTL_SECONDS * 1000,
    });
    await this.remember(options.challenge, 'register', user.id);
    return options as unknown as WebAuthnOptionsResponse;
  }

  async register(
    user: AuthUser,
    credential: Record<string, unknown>,
    name: string | undefined,
    meta: RequestMeta,
  ): Promise<PasskeyResponse> {
    const challenge = await this.spend(credential, 'register', user.id);
    let verified;
    try {
      verified = await (
        await webauthn()
      ).verifyRegistrationResponse({
        response: credential as unknown as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: this.config.webauthn.origins,
        expectedRPID: this.config.webauthn.rpId,
        requireUserVerification: false,
      });
    } catch {
      throw new AppException(ErrorCode.PASSKEY_VERIFICATION_FAILED);
    }
    if (!verified.verified) throw new AppException(ErrorCode.PASSKEY_VERIFICATION_FAILED);
    const { credential: made } = verified.registrationInfo;
    const row = await this.transactions.run(async (tx) => {
      const inserted = await this.repository.insertPasskey(tx, {
        userId: user.id,
        credentialId: made.id,
        publicKey: Buffer.from(made.publicKey),
        counter: made.counter,
        transports: made.transports ?? [],
        name: name?.trim() || 'Passkey',
      });
      if (!inserted) throw AppException.conflict({ en: 'This passkey is already registered', zh: '该通行密钥已注册' });
      await this.audit.record(
        { operation: AuditOperation.PASSKEY_ADDED, userId: user.id, operatorId: user.id, meta, details: { passkey_id: inserted.id } },
        tx,
      );
      return inserted;
    });
    return PasskeyResponse.from(row);
  }

  async remove(user: AuthUser, id: string, meta: RequestMeta): Promise<void> {
    await this.transactions.run(async (tx) => {
      if (!(await this.repository.deletePasskey(tx, user.id, id))) throw AppException.notFound();
      await this.audit.record(
        { operation: AuditOperation.PASSKEY_REMOVED, userId: user.id, operatorId: user.id, meta, details: { passkey_id: id } },
        tx,
      );
    });
  }

  /** Options for the second step of a login (the mfa_token's account's passkeys); the token is not spent. */
  async secondFactorOptions(mfaToken: string): Promise<WebAuthnOptionsResponse> {
    const step = await this.transactions.run((tx) => this.mfaTokens.lockUsable(tx, mfaToken));
    if (!step) throw new AppException(ErrorCode.MFA_TOKEN_INVALID);
    const passkeys = await this.repository.passkeys(step.userId);
    if (passkeys.length === 0) throw new AppException(ErrorCode.MFA_NOT_ENROLLED);
    const options = await (
      await webauthn()
    ).generateAuthenticationOptions({
      rpID: this.config.webauthn.rpId,
      allowCredentials: passkeys.map((row) => ({ id: row.credentialId, transports: row.transports })),
      userVerification: 'preferred',
      timeout: CHALLENGE_TTL_SECONDS * 1000,
    });
    await this.remember(options.challenge, 'second_factor', step.userId, step.tokenHash);
    return options as unknown as WebAuthnOptionsResponse;
  }

  /** The passkey half of POST /auth/mfa/verify, inside its transaction: true when the assertion is good. */
  async verifySecondFactor(tx: Tx, userId: string, mfaTokenHash: string, credential: Record<string, unknown>): Promise<boolean> {
    try {
      const challenge = await this.spend(credential, 'second_factor', userId, mfaTokenHash);
      const passkey = await this.checkAssertion(tx, credential, challenge, false);
      return passkey !== null && passkey.userId === userId;
    } catch (error) {
      if (error instanceof AppException) return false;
      throw error;
    }
  }

  async passwordlessOptions(): Promise<WebAuthnOptionsResponse> {
    const options = await (
      await webauthn()
    ).generateAuthenticationOptions({
      rpID: this.config.webauthn.rpId,
      userVerification: 'required',
      timeout: CHALLENGE_TTL_SECONDS * 1000,
    });
    await this.remember(options.challenge, 'passwordless', null);
    return options as unknown as WebAuthnOptionsResponse;
  }

  /** Passwordless sign-in with a discoverable credential: amr ['webauthn']. */
  async passwordless(credential: Record<string, unknown>, meta: RequestMeta): Promise<LoginResponse> {
    const challenge = await this.spend(credential, 'passwordless', null);
    const outcome = await this.transactions.run(async (tx) => {
      const passkey = await this.checkAssertion(tx, credential, challenge, true);
      if (!passkey) return { refused: true as const, userId: this.knownUser(credential) };
      const [block] = await this.sessions.blocksOf(passkey.userId);
      if (block === 'deleted') throw new AppException(ErrorCode.PASSKEY_VERIFICATION_FAILED);
      if (block === 'disabled') throw new AppException(ErrorCode.ACCOUNT_DISABLED);
      if (block === 'blacklisted') throw new AppException(ErrorCode.ACCOUNT_BLACKLISTED);
      const signedIn = await this.auth.signInWithin(tx, { userId: passkey.userId, meta, lockKey: null, amr: ['webauthn'] });
      if (!('user' in signedIn)) throw AppException.tooManyRequests(signedIn.lockedSeconds);
      return { refused: false as const, signedIn };
    });
    if (outcome.refused) {
      if (outcome.userId) {
        await this.audit.record({
          operation: AuditOperation.MFA_FAILED,
          userId: outcome.userId,
          operatorId: outcome.userId,
          meta,
          details: { reason: 'passkey_refused', flow: 'passwordless' },
        });
      }
      throw new AppException(ErrorCode.PASSKEY_VERIFICATION_FAILED);
    }
    return this.auth.loginAnswer(outcome.signedIn, ['webauthn']);
  }

  private knownUser(credential: Record<string, unknown>): string | null {
    const handle = (credential.response as { userHandle?: unknown } | undefined)?.userHandle;
    return typeof handle === 'string' ? handleToUserId(handle) : null;
  }

  /**
   * Checks an assertion against the stored passkey (locked), and moves its counter forward: null when the
   * credential is unknown, the signature or origin is wrong, or the counter did not advance (a clone).
   */
  private async checkAssertion(
    tx: Tx,
    credential: Record<string, unknown>,
    challenge: string,
    requireUserVerification: boolean,
  ): Promise<PasskeyRow | null> {
    const credentialId = typeof credential.id === 'string' && credential.id.length <= 1400 ? credential.id : null;
    const passkey = credentialId ? await this.repository.passkeyByCredentialId(credentialId, tx) : null;
    if (!passkey) return null;
    if (requireUserVerification) {
      const handle = (credential.response as { userHandle?: unknown } | undefined)?.userHandle;
      if (typeof handle === 'string' && handleToUserId(handle) !== passkey.userId) return null;
    }
    let result;
    try {
      result = await (
        await webauthn()
      ).verifyAuthenticationResponse({
        response: credential as unknown as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: this.config.webauthn.origins,
        expectedRPID: this.config.webauthn.rpId,
        credential: {
          id: passkey.credentialId,
          publicKey: Uint8Array.from(passkey.publicKey),
          counter: passkey.counter,
          transports: passkey.transports,
        },
        requireUserVerification,
      });
    } catch {
      return null;
    }
    if (!result.verified) return null;
    if (!(await this.repository.advanceCounter(tx, passkey.id, result.authenticationInfo.newCounter))) return null;
    return passkey;
  }
}
