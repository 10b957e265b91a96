import { ApiOperation } from '@nestjs/swagger';

/** A source-API operation in Swagger: deprecated, naming the canonical route it maps to. */
export const LegacyOperation = (summary: string, canonical: string): MethodDecorator =>
  ApiOperation({
    summary,
    deprecated: true,
    description: `Deprecated: kept for clients of the system this service replaces. Use \`${canonical}\` instead; the same rules, validation, audit records and limits apply.`,
  });
