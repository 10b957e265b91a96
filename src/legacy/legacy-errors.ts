import { ERRORS, ErrorCode } from '../common/errors/error-codes';
import type { ErrorResponse } from '../common/errors/error-response';
import type { ErrorRenderer, ErrorStyle } from '../common/errors/error-writer';
import type { Language } from '../common/i18n/language';
import { localize } from '../common/i18n/language';
import type { FieldError } from '../common/errors/app.exception';

/** Which source API a path belongs to (their paths are disjoint; 003 lives under /api/v1 and uses the envelope). */
export const SOURCE_001_PATHS = /^\/api\/(register|login|queryall|query|delete)(\/|\?|$)/;
export const SOURCE_000_PATHS = /^\/api\/(users|auth|groups|occupations|user-logs|black-list)(\/|\?|$)/;

function fieldErrors(error: ErrorResponse): FieldError[] {
  const errors = (error.data as { errors?: FieldError[] } | null)?.errors;
  return Array.isArray(errors) ? errors : [];
}

/** The human detail of an error: its message, with the fields of a validation error. */
export function detailOf(error: ErrorResponse, language: Language): string {
  const fields = fieldErrors(error);
  const message = error.message[language];
  if (fields.length === 0) return message;
  return `${message}: ${fields.map((field) => `${field.field}: ${localize(field.message, language)}`).join('; ')}`;
}

/** 000 (Django REST style): `{ "detail": "..." }`, conflicts and bad credentials as 400 like the source. */
const STATUS_000: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.USERNAME_TAKEN]: 400,
  [ErrorCode.EMAIL_TAKEN]: 400,
  [ErrorCode.CONFLICT]: 400,
  [ErrorCode.WRONG_CREDENTIALS]: 400,
};

export const error000: ErrorRenderer = (error, language) => ({
  status: STATUS_000[error.code] ?? error.status,
  body: { detail: detailOf(error, language) },
});

/** 001: `{ "result": "...", "error": "..." }` with the statuses its document gives (400 and 403 for failures). */
const RESULT_001: Partial<Record<ErrorCode, { status: number; result: string }>> = {
  [ErrorCode.MALFORMED_REQUEST]: { status: 400, result: 'Wrong form struct' },
  [ErrorCode.VALIDATION_FAILED]: { status: 400, result: 'Wrong form struct' },
  [ErrorCode.INVITATION_INVALID]: { status: 400, result: 'invitation code wrong' },
  [ErrorCode.WRONG_CREDENTIALS]: { status: 400, result: 'Wrong password or wrong email address' },
  [ErrorCode.EMAIL_TAKEN]: { status: 403, result: 'This Email address has been registered' },
  [ErrorCode.USERNAME_TAKEN]: { status: 403, result: 'This username has been registered' },
  [ErrorCode.UNAUTHENTICATED]: { status: 403, result: 'Authorization failed' },
  [ErrorCode.FORBIDDEN_ROLE]: { status: 403, result: 'Permission denied' },
  [ErrorCode.ACCOUNT_DISABLED]: { status: 403, result: 'This account is disabled' },
  [ErrorCode.ACCOUNT_BLACKLISTED]: { status: 403, result: 'This account is blacklisted' },
  [ErrorCode.EMAIL_NOT_VERIFIED]: { status: 403, result: 'This email address is not verified' },
  [ErrorCode.MFA_LEGACY_LOGIN_REFUSED]: { status: 403, result: 'Second factor required' },
  [ErrorCode.MFA_ENROLMENT_REQUIRED]: { status: 403, result: 'Second factor enrolment required' },
  [ErrorCode.NOT_FOUND]: { status: 400, result: 'Not found' },
  [ErrorCode.CONFLICT]: { status: 400, result: 'Conflict' },
};

export const error001: ErrorRenderer = (error, language) => {
  const mapped = RESULT_001[error.code];
  const invalidEmail = error.code === ErrorCode.VALIDATION_FAILED && fieldErrors(error).some((field) => field.field === 'email');
  return {
    status: mapped?.status ?? error.status,
    body: {
      result: invalidEmail ? 'Email address is invalid' : (mapped?.result ?? ERRORS[error.code].message.en),
      error: detailOf(error, language),
    },
  };
};

/** The source APIs' error shapes, for the one error writer (AppModule hands them to it). */
export const LEGACY_ERROR_STYLES: readonly ErrorStyle[] = [
  { name: '000', renderer: error000, paths: SOURCE_000_PATHS },
  { name: '001', renderer: error001, paths: SOURCE_001_PATHS },
];
