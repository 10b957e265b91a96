import { QueryFailedError } from 'typeorm';

/** The name of the unique constraint a failed insert/update violated, if that is what happened. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driver = error.driverError as { code?: string; constraint?: string };
  return driver?.code === '23505' ? driver.constraint : undefined;
}

/** The name of the foreign key a write violated, if that is what happened. */
export function violatedForeignKey(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driver = error.driverError as { code?: string; constraint?: string };
  return driver?.code === '23503' ? driver.constraint : undefined;
}

/** Escapes LIKE wildcards in user input (used with ESCAPE '\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
