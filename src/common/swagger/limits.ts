/**
 * Bounds the OpenAPI document states, in one place. Each one is a fact about the service (a column
 * size, a validator, a configuration range), not a guess: change it when the fact changes.
 */

/** maxLength of a string that has a format and no length of its own (the longest valid value). */
export const FORMAT_MAX_LENGTH: Readonly<Record<string, number>> = {
  uuid: 36,
  'date-time': 32,
  date: 10,
  email: 254,
  uri: 2048,
};

export const INT32_MAX = 2147483647;

/** Counts and sequence numbers are PostgreSQL bigints sent as JSON numbers: exact up to 2^53 - 1. */
export const SAFE_INTEGER_MAX = Number.MAX_SAFE_INTEGER;

/** Error codes are five digits (API.md: add new ones, never renumber); 0 is success. */
export const ERROR_CODE_MAX = 99999;

/** Validation errors quote the client's field names, cut to 200 characters; their messages to 500 (validation-messages.ts). */
export const QUOTED_INPUT_MAX_LENGTH = 500;

/** A source API's one-line error text: a message plus up to 50 field errors of `field: message`. */
export const QUOTED_DETAIL_MAX_LENGTH = 500 + 50 * (200 + 2 + 500 + 2);

/** Envelope messages are texts of the error table (never built from input). */
export const MESSAGE_MAX_LENGTH = 500;

/** Lines of a 000 list: one page of up to `limit` (at most 1000) rows. */
export const LEGACY_000_LIST_MAX_ITEMS = 1000;

/** An HS256 JWT with two UUIDs, a type, times and an issuer and audience of up to 200 characters each. */
export const ACCESS_TOKEN_MAX_LENGTH = 2048;

/** Three base64url parts: header, claims, signature. */
export const JWT_PATTERN = '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$';

/** Refresh tokens are 32 random bytes, base64url. */
export const REFRESH_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';
export const REFRESH_TOKEN_LENGTH = 43;
