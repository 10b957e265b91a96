import { Injectable } from '@nestjs/common';
import { Transform } from 'class-transformer';
import {
  registerDecorator,
  Validate,
  ValidateIf,
  ValidationArguments,
  ValidationOptions,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { AppConfig } from '../../config/app-config';

/**
 * May be omitted, but when present must not be null. The default for every optional field: class-validator's
 * own @IsOptional() also lets `null` through to the code after validation (a `null` email reached `.trim()`).
 * ESLint refuses @IsOptional() outside this file.
 */
export const Omittable = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

/** May be omitted or null (null clears the field): only where API.md makes the field nullable, and Swagger says `nullable`. */
export const Nullable = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined && value !== null);

/** Query integers are plain decimal digits: "0x10", "1e1" or "+5" stay strings and fail validation. Numbers pass as they are. */
export const ToInteger = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value));

export const PASSWORD_MAX_LENGTH = 128;

/**
 * Password length: PASSWORD_MIN_LENGTH (from the typed config) to 128 characters as people count them (code
 * points, so an emoji is one). Resolved from Nest's container (createApp calls class-validator's useContainer),
 * so the minimum flows from AppConfig and no module keeps it.
 */
@Injectable()
@ValidatorConstraint({ name: 'isPassword' })
export class PasswordLengthConstraint implements ValidatorConstraintInterface {
  constructor(private readonly config: AppConfig) {
    if (!config) throw new Error('PasswordLengthConstraint needs AppConfig: register it as a provider and call useContainer');
  }

  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const length = [...value].length;
    return length >= this.config.passwordMinLength && length <= PASSWORD_MAX_LENGTH;
  }

  defaultMessage(args?: ValidationArguments): string {
    return `${args?.property ?? 'password'} must be ${this.config.passwordMinLength} to ${PASSWORD_MAX_LENGTH} characters`;
  }
}

export function IsPassword(options?: ValidationOptions): PropertyDecorator {
  return Validate(PasswordLengthConstraint, options);
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
