import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-codes';
import { fieldError, toFieldErrors } from './validation-messages';

const PRIMITIVES: unknown[] = [String, Boolean, Number, Array, Object];

/** The path of the first string holding a NUL character (PostgreSQL text cannot store one), if any. */
function findNulCharacter(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path || 'value' : undefined;
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = findNulCharacter(child, path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * class-validator on every DTO: unknown fields are refused (40001 naming them), values are
 * not coerced in bodies, and a body that is not a JSON object is a malformed request (40000).
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => AppException.validation(toFieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = typeof metadata.metatype === 'function' && !PRIMITIVES.includes(metadata.metatype);
    if (isDto && (metadata.type === 'body' || metadata.type === 'query')) {
      // No body at all counts as an empty object; a JSON null, array or scalar is malformed.
      if (value === undefined) value = {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AppException(ErrorCode.MALFORMED_REQUEST);
      const nulField = findNulCharacter(value);
      if (nulField !== undefined) throw AppException.validation([fieldError(nulField, `${nulField} must not contain NUL characters`)]);
    }
    return super.transform(value, metadata);
  }
}
