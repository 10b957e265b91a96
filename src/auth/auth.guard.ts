import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { Role } from '../config/app-config';
import { AuthUser, IS_PUBLIC, MIN_ROLE, OPEN_DURING_MFA_ENROLMENT } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AccessPolicy } from '../common/policies/access-policy.service';

/**
 * The global guard: every route needs a valid, unrevoked access token unless marked @Public(),
 * and a caller of at least the role @Authenticated({ role }) names. A caller whose role must enrol a
 * second factor first (MFA_REQUIRED_ROLES) passes only routes marked @OpenDuringMfaEnrolment().
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly policy: AccessPolicy,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    await super.canActivate(context);
    const user = context.switchToHttp().getRequest<{ user: AuthUser }>().user;
    // MFA_REQUIRED_ROLES: until a factor is enrolled, only the routes that lead there are open.
    if (user.mfaEnrolmentPending && !this.reflector.getAllAndOverride<boolean>(OPEN_DURING_MFA_ENROLMENT, targets))
      throw new AppException(ErrorCode.MFA_ENROLMENT_REQUIRED);
    const minimum = this.reflector.getAllAndOverride<Role | undefined>(MIN_ROLE, targets) ?? 'user';
    if (!this.policy.can(user, 'route.enter', { floor: minimum })) throw new AppException(ErrorCode.FORBIDDEN_ROLE);
    return true;
  }

  override handleRequest<TUser = AuthUser>(error: unknown, user: TUser | false): TUser {
    if (error || !user) {
      // A database outage while checking the session is the server's problem, not a bad token.
      if (error && !(error instanceof AppException)) throw error;
      throw new AppException(ErrorCode.UNAUTHENTICATED);
    }
    return user;
  }
}
