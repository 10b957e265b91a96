import { ERRORS, ErrorCode, LocalizedText } from './error-codes';

export interface FieldError {
  field: string;
  message: LocalizedText | string;
}

export interface AppExceptionOptions {
  /** Payload for the envelope's `data` (e.g. `{ errors }` for validation). */
  data?: unknown;
  /** A more specific message than the code's default. */
  message?: LocalizedText;
  headers?: Record<string, string>;
}

/** The one exception services throw; the filter renders it as the envelope. */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly options: AppExceptionOptions = {},
  ) {
    super(options.message?.en ?? ERRORS[code].message.en);
    this.name = 'AppException';
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  static validation(errors: FieldError[]): AppException {
    return new AppException(ErrorCode.VALIDATION_FAILED, { data: { errors } });
  }

  static notFound(what?: LocalizedText): AppException {
    return new AppException(ErrorCode.NOT_FOUND, what ? { message: what } : {});
  }

  static forbidden(): AppException {
    return new AppException(ErrorCode.FORBIDDEN_ROLE);
  }

  static conflict(message: LocalizedText): AppException {
    return new AppException(ErrorCode.CONFLICT, { message });
  }

  static tooManyRequests(retryAfterSeconds: number): AppException {
    return new AppException(ErrorCode.TOO_MANY_REQUESTS, {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}
