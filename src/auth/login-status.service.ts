import { Injectable } from '@nestjs/common';
import { AuditLogService } from '../audit-log/audit-log.service';
import { BlacklistService } from '../blacklist/blacklist.service';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { USER_STATE } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { LoginStatusResponse } from './dto/login-status.response';
import { LoginLockoutService } from './login-lockout.service';
import { SessionsService } from './sessions.service';

/** "Why can't this user log in?": every reason that blocks a login right now, in one answer. */
@Injectable()
export class LoginStatusService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly blacklist: BlacklistService,
    private readonly lockout: LoginLockoutService,
    private readonly audit: AuditLogService,
    private readonly policy: AccessPolicy,
  ) {}

  async statusOf(actor: AuthUser, id: string): Promise<LoginStatusResponse> {
    const user = await this.users.findById(id, { withDeleted: true });
    if (!user) throw AppException.notFound();
    this.policy.assert(actor, 'user.read-login-status', user);
    // The blocks come from the one definition the session check and the login use; the rest is detail.
    const [blocks, blacklistEntry, disabledSince, accountLock, mfaEnrolmentRequired] = await Promise.all([
      this.sessions.blocksOf(user.id),
      this.blacklist.activeEntryFor(user.id),
      this.audit.lastStateChange(user.id, USER_STATE.DISABLED),
      this.lockout.lockedUntil(LoginLockoutService.loginKey(user.username, user)),
      this.sessions.mfaEnrolmentPending(user.id),
    ]);
    // One counter per account: the lock holds whichever identifier is typed, so it is reported for both.
    const locks = accountLock
      ? [
          { identifier: 'username' as const, until: accountLock },
          { identifier: 'email' as const, until: accountLock },
        ]
      : [];
    return LoginStatusResponse.from(
      { user, blocks, disabledSince: blocks.includes('disabled') ? disabledSince : null, blacklistEntry, locks, mfaEnrolmentRequired },
      actor,
    );
  }
}
