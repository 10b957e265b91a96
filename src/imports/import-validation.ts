import { isEmail } from 'class-validator';
import type { Role } from '../config/app-config';
import { hashFormat } from '../common/security/imported-hashes';
import { USERNAME_PATTERN } from '../users/dto/account-fields';
import type { ImportedUser, Rejection, SourceSystem } from './sources/import-record';

/** A source user that passed API.md's rules, typed as it is written. */
export interface ValidUser {
  sourceId: string;
  id: string | null;
  id000: string | null;
  id001: string | null;
  username: string;
  email: string;
  phoneNumber: string | null;
  passwordHash: string;
  role: Role;
  state: 0 | 1;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  gender: number | null;
  age: number | null;
  identifyId: string | null;
  address: string | null;
  occupationSourceId: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
  deletedAt: Date | null;
}

const PHONE = /^\+?\d{6,20}$/;
const IDENTIFY_ID = /^\d{17}[\dXx]$/;

class Reject extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function optionalString(value: unknown, field: string, max: number): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new Reject(field, `${field} must be a string`);
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (trimmed.length > max) throw new Reject(field, `${field} must be at most ${max} characters`);
  return trimmed;
}

function optionalTime(value: unknown, field: string): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const parsed = typeof value === 'string' ? new Date(value) : null;
  if (!parsed || Number.isNaN(parsed.getTime())) throw new Reject(field, `${field} must be an ISO-8601 time`);
  return parsed;
}

function optionalInteger(value: unknown, field: string, allowed: (n: number) => boolean, rule: string): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || !allowed(value)) throw new Reject(field, `${field} must be ${rule}`);
  return value;
}

/**
 * Checks one source user against API.md's rules (the same patterns and limits the DTOs use) and
 * gives it typed, or the first field that breaks them with a reason a person can act on. Blank
 * optional fields are null, not rejections. The password hash must be a format the service verifies.
 */
export function validateUser(user: ImportedUser, source: SourceSystem): { ok: ValidUser } | { rejected: Rejection } {
  try {
    if (source === '000' && !user.id000) throw new Reject('pk', 'pk must be a positive integer');
    if (source === '001' && !user.id001) throw new Reject('_id', '_id must be an ObjectId (24 hexadecimal digits)');
    if (source === '003' && !user.id) throw new Reject('id', 'id must be a UUID');
    if (typeof user.username !== 'string' || !USERNAME_PATTERN.test(user.username))
      throw new Reject('username', 'username may contain only letters and digits, 6 to 22 characters');
    if (typeof user.email !== 'string' || user.email === '') throw new Reject('email', 'email is blank; every account needs one');
    if (user.email.length > 254 || !isEmail(user.email)) throw new Reject('email', 'email must be an email address');
    if (typeof user.passwordHash !== 'string' || user.passwordHash === '') throw new Reject('password', 'the password hash is missing');
    if (user.passwordHash.length > 255 || hashFormat(user.passwordHash) === null)
      throw new Reject('password', 'the password hash is in a format the service cannot verify');
    const phoneNumber = optionalString(user.phoneNumber, 'phone_number', 21);
    if (phoneNumber !== null && !PHONE.test(phoneNumber))
      throw new Reject('phone_number', 'phone_number must be digits with an optional leading +, 6 to 20 digits');
    const identifyId = optionalString(user.identifyId, 'identify_id', 18);
    if (identifyId !== null && !IDENTIFY_ID.test(identifyId))
      throw new Reject('identify_id', 'identify_id must be 17 digits followed by a digit or X');
    const createdAt = optionalTime(user.createdAt, 'created_at') ?? new Date();
    return {
      ok: {
        sourceId: user.sourceId,
        id: user.id ?? null,
        id000: user.id000 ?? null,
        id001: user.id001 ?? null,
        username: user.username,
        email: user.email,
        phoneNumber,
        passwordHash: user.passwordHash,
        role: user.role,
        state: user.state,
        name: optionalString(user.name, 'name', 100),
        firstName: optionalString(user.firstName, 'first_name', 50),
        lastName: optionalString(user.lastName, 'last_name', 50),
        gender: optionalInteger(user.gender, 'gender', (n) => n >= 0 && n <= 2, '0 (female), 1 (male) or 2 (other)'),
        age: optionalInteger(user.age, 'age', (n) => n >= 0 && n <= 150, 'an integer from 0 to 150'),
        identifyId: identifyId?.toUpperCase() ?? null,
        address: optionalString(user.address, 'address', 255),
        occupationSourceId: user.occupationSourceId,
        createdAt,
        updatedAt: optionalTime(user.updatedAt, 'updated_at') ?? createdAt,
        lastLoginAt: optionalTime(user.lastLoginAt, 'last_login_at'),
        deletedAt: optionalTime(user.deletedAt, 'deleted_at'),
      },
    };
  } catch (error) {
    if (error instanceof Reject) return { rejected: { source_id: user.sourceId, field: error.field, reason: error.reason } };
    throw error;
  }
}
