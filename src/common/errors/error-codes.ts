/** Stable error codes of API.md: add new ones, never renumber. */
export enum ErrorCode {
  SUCCESS = 0,
  MALFORMED_REQUEST = 40000,
  VALIDATION_FAILED = 40001,
  INVITATION_INVALID = 40002,
  TOKEN_INVALID = 40003,
  PASSKEY_VERIFICATION_FAILED = 40004,
  MFA_NOT_ENROLLED = 40005,
  /** An import's body is not the export its source gives (issue 12). */
  IMPORT_MALFORMED = 40008,
  UNAUTHENTICATED = 40101,
  WRONG_CREDENTIALS = 40102,
  MFA_TOKEN_INVALID = 40104,
  MFA_CODE_WRONG = 40105,
  FORBIDDEN_ROLE = 40301,
  ACCOUNT_DISABLED = 40302,
  ACCOUNT_BLACKLISTED = 40303,
  EMAIL_NOT_VERIFIED = 40304,
  MFA_ENROLMENT_REQUIRED = 40305,
  MFA_UNAVAILABLE = 40306,
  MFA_LEGACY_LOGIN_REFUSED = 40307,
  NOT_FOUND = 40401,
  USERNAME_TAKEN = 40901,
  EMAIL_TAKEN = 40902,
  CONFLICT = 40903,
  BODY_TOO_LARGE = 41301,
  UNSUPPORTED_MEDIA_TYPE = 41501,
  TOO_MANY_REQUESTS = 42901,
  INTERNAL = 50001,
  DATABASE_UNAVAILABLE = 50301,
  MAIL_NOT_CONFIGURED = 50302,
}

export interface LocalizedText {
  en: string;
  zh: string;
}

interface ErrorDefinition {
  status: number;
  message: LocalizedText;
}

/** The one table mapping each code to its HTTP status and its messages. */
export const ERRORS: Record<ErrorCode, ErrorDefinition> = {
  [ErrorCode.SUCCESS]: { status: 200, message: { en: 'success', zh: 'success' } },
  [ErrorCode.MALFORMED_REQUEST]: {
    status: 400,
    message: { en: 'Malformed request: the body must be a valid JSON object', zh: '请求格式错误：请求体必须是合法的 JSON 对象' },
  },
  [ErrorCode.VALIDATION_FAILED]: { status: 400, message: { en: 'Validation failed', zh: '参数校验失败' } },
  [ErrorCode.INVITATION_INVALID]: {
    status: 400,
    message: { en: 'The invitation code is wrong, expired or used up', zh: '邀请码错误、已过期或已用完' },
  },
  [ErrorCode.IMPORT_MALFORMED]: {
    status: 400,
    message: { en: 'The body is not an export of the given source system', zh: '请求体不是该来源系统的导出数据' },
  },
  [ErrorCode.TOKEN_INVALID]: {
    status: 400,
    message: { en: 'The link is wrong, already used or expired', zh: '链接无效、已使用或已过期' },
  },
  [ErrorCode.PASSKEY_VERIFICATION_FAILED]: {
    status: 400,
    message: {
      en: 'The passkey could not be verified (unknown, expired or used challenge, or a bad signature or counter)',
      zh: '通行密钥验证失败（挑战未知、已过期或已使用，或签名、计数器无效）',
    },
  },
  [ErrorCode.MFA_NOT_ENROLLED]: {
    status: 400,
    message: { en: 'No such second factor is enrolled or pending', zh: '未注册或未待确认该第二因素' },
  },
  [ErrorCode.UNAUTHENTICATED]: {
    status: 401,
    message: { en: 'Missing, invalid, expired or revoked token', zh: '令牌缺失、无效、已过期或已被撤销' },
  },
  [ErrorCode.WRONG_CREDENTIALS]: {
    status: 401,
    message: { en: 'Wrong username/email or password', zh: '用户名/邮箱或密码错误' },
  },
  [ErrorCode.MFA_TOKEN_INVALID]: {
    status: 401,
    message: { en: 'The mfa_token is invalid, expired or already used: log in again', zh: 'mfa_token 无效、已过期或已使用，请重新登录' },
  },
  [ErrorCode.MFA_CODE_WRONG]: {
    status: 401,
    message: { en: 'Wrong or already used second-factor code', zh: '第二因素验证码错误或已使用' },
  },
  [ErrorCode.FORBIDDEN_ROLE]: { status: 403, message: { en: 'Your role does not allow this', zh: '您的角色无权执行此操作' } },
  [ErrorCode.ACCOUNT_DISABLED]: { status: 403, message: { en: 'This account is disabled', zh: '该账号已被禁用' } },
  [ErrorCode.ACCOUNT_BLACKLISTED]: { status: 403, message: { en: 'This account is blacklisted', zh: '该账号已被列入黑名单' } },
  [ErrorCode.EMAIL_NOT_VERIFIED]: {
    status: 403,
    message: { en: 'This email address is not verified yet: follow the link sent to it', zh: '该邮箱尚未验证：请点击发送到该邮箱的链接' },
  },
  [ErrorCode.MFA_ENROLMENT_REQUIRED]: {
    status: 403,
    message: {
      en: 'Your role requires a second factor: enrol one first (POST /api/v1/auth/mfa/totp or a passkey)',
      zh: '您的角色要求第二因素：请先注册（POST /api/v1/auth/mfa/totp 或通行密钥）',
    },
  },
  [ErrorCode.MFA_UNAVAILABLE]: {
    status: 403,
    message: {
      en: 'TOTP is not available on this server (MFA_ENCRYPTION_KEY is not configured)',
      zh: '本服务器未启用 TOTP（未配置 MFA_ENCRYPTION_KEY）',
    },
  },
  [ErrorCode.MFA_LEGACY_LOGIN_REFUSED]: {
    status: 403,
    message: {
      en: 'This account uses a second factor: sign in with POST /api/v1/auth/login, then POST /api/v1/auth/mfa/verify',
      zh: '该账号启用了第二因素：请使用 POST /api/v1/auth/login 登录，再调用 POST /api/v1/auth/mfa/verify',
    },
  },
  [ErrorCode.NOT_FOUND]: { status: 404, message: { en: 'Not found', zh: '资源不存在' } },
  [ErrorCode.USERNAME_TAKEN]: { status: 409, message: { en: 'Username already registered', zh: '用户名已被注册' } },
  [ErrorCode.EMAIL_TAKEN]: { status: 409, message: { en: 'Email already registered', zh: '邮箱已被注册' } },
  [ErrorCode.CONFLICT]: { status: 409, message: { en: 'Conflict with the current state', zh: '与当前状态冲突' } },
  [ErrorCode.BODY_TOO_LARGE]: { status: 413, message: { en: 'Request body too large', zh: '请求体过大' } },
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: {
    status: 415,
    message: { en: 'The request body must be application/json', zh: '请求体必须为 application/json' },
  },
  [ErrorCode.TOO_MANY_REQUESTS]: {
    status: 429,
    message: { en: 'Too many requests, try again later', zh: '请求过于频繁，请稍后再试' },
  },
  [ErrorCode.INTERNAL]: { status: 500, message: { en: 'Internal server error', zh: '服务器内部错误' } },
  [ErrorCode.DATABASE_UNAVAILABLE]: {
    status: 503,
    message: { en: 'The database is unavailable, try again later', zh: '数据库暂不可用，请稍后再试' },
  },
  [ErrorCode.MAIL_NOT_CONFIGURED]: {
    status: 503,
    message: { en: 'Mail delivery is not configured on this server (SMTP_URL)', zh: '服务器未配置邮件发送（SMTP_URL）' },
  },
};
