/** Audit operation codes of API.md (0 and 1 as in the source system). Add new ones at the end. */
export enum AuditOperation {
  LOGIN = 0,
  LOGOUT = 1,
  LOGIN_FAILED = 2,
  REGISTERED = 3,
  PASSWORD_CHANGED = 4,
  USER_UPDATED = 5,
  USER_DELETED = 6,
  USER_RESTORED = 7,
  ROLE_CHANGED = 8,
  STATE_CHANGED = 9,
  BLACKLISTED = 10,
  UNBLACKLISTED = 11,
  REFRESH_TOKEN_REUSE = 12,
  IMPORTED = 13,
}

export const AUDIT_OPERATION_NAMES: Record<AuditOperation, string> = {
  [AuditOperation.LOGIN]: 'login',
  [AuditOperation.LOGOUT]: 'logout',
  [AuditOperation.LOGIN_FAILED]: 'login_failed',
  [AuditOperation.REGISTERED]: 'registered',
  [AuditOperation.PASSWORD_CHANGED]: 'password_changed',
  [AuditOperation.USER_UPDATED]: 'user_updated',
  [AuditOperation.USER_DELETED]: 'user_deleted',
  [AuditOperation.USER_RESTORED]: 'user_restored',
  [AuditOperation.ROLE_CHANGED]: 'role_changed',
  [AuditOperation.STATE_CHANGED]: 'state_changed',
  [AuditOperation.BLACKLISTED]: 'blacklisted',
  [AuditOperation.UNBLACKLISTED]: 'removed_from_blacklist',
  [AuditOperation.REFRESH_TOKEN_REUSE]: 'refresh_token_reuse_detected',
  [AuditOperation.IMPORTED]: 'imported',
};
