import { registerDecorator, ValidateIf, ValidationArguments, ValidationOptions } from 'class-validator';

/** May be omitted, but when present must not be null (fields that cannot be cleared). */
export const Omittable = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

/** Password length policy; the minimum comes from PASSWORD_MIN_LENGTH at boot. */
export const passwordPolicy = { minLength: 6, maxLength: 128 };

export function IsPassword(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPassword',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        // Characters as people count them (code points), not UTF-16 units: an emoji is one.
        validate: (value: unknown) =>
          typeof value === 'string' && [...value].length >= passwordPolicy.minLength && [...value].length <= passwordPolicy.maxLength,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'password'} must be ${passwordPolicy.minLength} to ${passwordPolicy.maxLength} characters`,
      },
    });
}

/** A calendar date 'YYYY-MM-DD' that exists and is not in the future. */
export function IsPastDate(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPastDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
          const date = new Date(`${value}T00:00:00Z`);
          return (
            !Number.isNaN(date.getTime()) &&
            date.toISOString().startsWith(value) &&
            date.getTime() <= Date.now() &&
            date.getUTCFullYear() >= 1850
          );
        },
        defaultMessage: () => `${propertyName as string} must be a date (YYYY-MM-DD) not in the future`,
      },
    });
}

/**
 * An ISO-8601 date or date-time that JavaScript reads the same way: 2026-01-31, 2026-01-31T08:00,
 * 2026-01-31T08:00:00.000Z or with an offset. Week dates and other exotic forms are refused.
 */
export const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export function IsIsoDateTime(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isIsoDateTime',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(new Date(value).getTime()),
        defaultMessage: () => `${propertyName as string} must be an ISO-8601 date-time`,
      },
    });
}
