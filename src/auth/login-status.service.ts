import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditOperation } from '../audit-log/audit-operation';
import { BlacklistService } from '../blacklist/blacklist.service';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { outranks, requireRole } from '../common/policies/roles';
import { USER_STATE } from '../users/user.entity';
import { visibilityFor } from '../users/user.response';
import { UsersService } from '../users/users.service';
import { LoginBlockReasonResponse, LoginStatusResponse } from './dto/login-status.response';
import { LoginLockoutService } from './login-lockout.service';

/** "Why can't this user log in?": every reason that blocks a login right now, in one answer. */
@Injectable()
export class LoginStatusService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly blacklist: BlacklistService,
    private readonly lockout: LoginLockoutService,
  ) {}

  async statusOf(actor: AuthUser, id: string): Promise<LoginStatusResponse> {
    requireRole(actor, 'admin');
    const user = await this.users.findById(id, { withDeleted: true });
    if (!user) throw AppException.notFound();
    const [entry, disabledSince, usernameLock, emailLock] = await Promise.all([
      this.blacklist.activeEntryFor(user.id),
      user.state === USER_STATE.DISABLED ? this.disabledSince(user.id) : Promise.resolve(null),
      this.lockout.lockedUntil(LoginLockoutService.loginKey(user.username)),
      this.lockout.lockedUntil(LoginLockoutService.loginKey(user.email)),
    ]);
    const reasons: LoginBlockReasonResponse[] = [];
    // The same visibility as elsewhere: deleted_at is a time field only superadmins see on others, and
    // a blacklist entry's reason only those who may manage that entry (a lower role than theirs).
    const seesTimes = visibilityFor(actor, user) === 'full';
    if (user.deletedAt) reasons.push({ code: 'deleted', since: seesTimes ? user.deletedAt.toISOString() : null });
    if (user.state === USER_STATE.DISABLED) reasons.push({ code: 'disabled', since: disabledSince?.toISOString() ?? null });
    if (entry) {
      reasons.push(
        outranks(actor.role, user.role)
          ? { code: 'blacklisted', since: entry.joinTime.toISOString(), reason: entry.reason, entry: entry.id }
          : { code: 'blacklisted', since: entry.joinTime.toISOString() },
      );
    }
    if (usernameLock) reasons.push({ code: 'locked_out', until: usernameLock.toISOString(), identifier: 'username' });
    if (emailLock) reasons.push({ code: 'locked_out', until: emailLock.toISOString(), identifier: 'email' });
    return { user: user.id, username: user.username, can_login: reasons.length === 0, reasons };
  }

  /** When the account was last disabled, from the audit log (null if it was created disabled). */
  private async disabledSince(userId: string): Promise<Date | null> {
    const rows: Array<{ operate_time: Date }> = await this.dataSource.query(
      `SELECT operate_time FROM audit_logs
        WHERE user_id = $1 AND operation = $2 AND details->>'to' = '0'
        ORDER BY seq DESC LIMIT 1`,
      [userId, AuditOperation.STATE_CHANGED],
    );
    return rows[0]?.operate_time ?? null;
  }
}
