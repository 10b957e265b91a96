/** Base path of the canonical API. Health, metrics and docs live outside it, without the envelope. */
export const API_PREFIX = 'api/v1';
