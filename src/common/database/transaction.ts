import { QueryFailedError } from 'typeorm';

const RETRYABLE = new Set(['40P01', '40001']);

function isRetryable(error: unknown): boolean {
  const code = error instanceof QueryFailedError ? (error.driverError as { code?: string })?.code : (error as { code?: unknown })?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/**
 * Runs `work` (one statement, or a whole transaction), again (up to three times in all) when
 * PostgreSQL aborts it for a deadlock or a serialization failure; it must be safe to repeat.
 */
export async function withRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 3 || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}
