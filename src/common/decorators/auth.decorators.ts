import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Role } from '../../config/app-config';

export const IS_PUBLIC = 'app:is-public';
export const OPEN_DURING_MFA_ENROLMENT = 'app:open-during-mfa-enrolment';
export const MIN_ROLE = 'app:min-role';

/** The signed-in caller, as loaded from the database on this request. */
export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  sessionId: string;
  /** The primary's WAL position after this client's last write (read-your-writes with replicas). */
  writeLsn?: string | null;
  /** How the session signed in (pwd, otp, webauthn), from the session row. */
  amr?: string[];
  /** MFA_REQUIRED_ROLES wants a second factor this account has not enrolled: only enrolment routes are open. */
  mfaEnrolmentPending?: boolean;
}

/** No token needed. Everything else is protected by the global guard. */
export const Public = (): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));

/** Open to a caller whose role must still enrol a second factor (MFA_REQUIRED_ROLES): enrolment, GET /auth/me, logout. */
export const OpenDuringMfaEnrolment = (): MethodDecorator & ClassDecorator => SetMetadata(OPEN_DURING_MFA_ENROLMENT, true);

/**
 * A signed-in caller, optionally of at least `role`; also marks the route with the bearer scheme
 * in Swagger. The role order is user < admin < superadmin.
 */
export const Authenticated = (options: { role?: Role } = {}): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(MIN_ROLE, options.role ?? 'user'), ApiBearerAuth());

export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthUser => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
  if (!request.user) throw new Error('CurrentUser used on a route without authentication');
  return request.user;
});
