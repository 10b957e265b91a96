import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { AuditLogResponse } from '../../audit-log/audit-log.response';
import { GroupResponse } from '../../groups/group.response';
import { MAX_LIMIT, MAX_PAGE } from '../../common/pagination/pagination';
import { ROLES } from '../../common/policies/roles';
import {
  ACCESS_TOKEN_MAX_LENGTH,
  JWT_PATTERN,
  MESSAGE_MAX_LENGTH,
  QUOTED_DETAIL_MAX_LENGTH,
  REFRESH_TOKEN_LENGTH,
  REFRESH_TOKEN_PATTERN,
  SAFE_INTEGER_MAX,
} from '../../common/swagger/limits';
import { ProfileResponse, UserResponse } from '../../users/user.response';

/** Response shapes of the source documents, for Swagger. Lengths are the columns' (users.username 22, ...). */

const USERNAME = { maxLength: 22, pattern: '^[A-Za-z0-9]{6,22}$' } as const;
const PHONE = { maxLength: 21, pattern: '^\\+?\\d{6,20}$' } as const;
const ACCESS_TOKEN = { maxLength: ACCESS_TOKEN_MAX_LENGTH, pattern: JWT_PATTERN } as const;
const REFRESH_TOKEN = { minLength: REFRESH_TOKEN_LENGTH, maxLength: REFRESH_TOKEN_LENGTH, pattern: REFRESH_TOKEN_PATTERN } as const;
const EXPIRES_IN = { type: 'integer', format: 'int32', minimum: 30, maximum: 86400, example: 900 } as const;
const REFRESH_EXPIRES_IN = { type: 'integer', format: 'int32', minimum: 60, maximum: 31536000, example: 1209600 } as const;
const COUNT = { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const PAGE = { type: 'integer', format: 'int32', minimum: 1, maximum: MAX_PAGE, example: 1 } as const;
const LIMIT = { type: 'integer', format: 'int32', minimum: 1, maximum: MAX_LIMIT } as const;

/** A 000 id: the record's id in the 000 system (imported) or the next one of its sequence (created here). */
export const ID_000 = { type: 'integer', format: 'int64', minimum: 1, maximum: SAFE_INTEGER_MAX, example: 17 } as const;
/** A 001 id: a MongoDB-style ObjectId, 24 lower-case hex digits. */
export const ID_001 = { minLength: 24, maxLength: 24, pattern: '^[0-9a-f]{24}$', example: '5f1d7c2e9b1e8a0012345678' } as const;

export class Registered003 {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email', maxLength: 254, example: 'alice@example.com' }) email!: string;
  @ApiProperty({ ...USERNAME, example: 'alice2024' }) username!: string;
}

export class User003 {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ ...USERNAME }) username!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'email', maxLength: 254 }) email?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, ...PHONE }) phone_number?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 50 }) first_name?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 50 }) last_name?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 100 }) name?: string | null;
  @ApiPropertyOptional({
    enum: ROLES,
    description:
      '…and the other user fields, flat (role, state, gender, age, birthday, occupation, identify_id, address, avatar_url, language_preference; time fields for the user themself and superadmins)',
  })
  role?: string;
}

export class Login003 extends User003 {
  @ApiProperty({ ...ACCESS_TOKEN, description: 'The access token (also as access_token)' }) token!: string;
  @ApiProperty({ ...ACCESS_TOKEN }) access_token!: string;
  @ApiProperty({ ...REFRESH_TOKEN }) refresh_token!: string;
  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' }) token_type!: string;
  @ApiProperty({ ...EXPIRES_IN }) expires_in!: number;
  @ApiProperty({ ...REFRESH_EXPIRES_IN }) refresh_expires_in!: number;
}

export class UserList003 {
  @ApiProperty({ type: [User003], maxItems: MAX_LIMIT }) data!: User003[];
  @ApiProperty({ ...COUNT, description: 'Users matching the filters' }) count!: number;
  @ApiProperty({ ...COUNT, description: 'All users' }) total!: number;
  @ApiProperty({ ...PAGE }) page!: number;
  @ApiProperty({ ...LIMIT, example: 10 }) limit!: number;
}

export class Result001 {
  @ApiProperty({ maxLength: 100, example: 'Registered successfully' }) result!: string;
}

export class Error001 {
  @ApiProperty({ maxLength: MESSAGE_MAX_LENGTH, example: 'Wrong form struct' }) result!: string;
  @ApiPropertyOptional({ maxLength: QUOTED_DETAIL_MAX_LENGTH, example: 'Validation failed: email: email must be an email' }) error?: string;
}

export class Registered001 extends Result001 {
  @ApiProperty({ ...ID_001, description: "The new user's 001 id" }) id!: string;
}

export class LoggedIn001 extends Result001 {
  @ApiProperty({ maxLength: 7 + ACCESS_TOKEN_MAX_LENGTH, pattern: '^Bearer [A-Za-z0-9_.-]+$', example: 'Bearer eyJhbGciOi...' })
  Authorization!: string;
  @ApiProperty({ ...REFRESH_TOKEN }) refresh_token!: string;
  @ApiProperty({ ...EXPIRES_IN }) expires_in!: number;
}

export class UserItem001 {
  @ApiProperty({ ...ID_001 }) user_id!: string;
  @ApiProperty({ ...USERNAME }) user_name!: string;
  @ApiProperty({ nullable: true, type: String, ...PHONE }) tel!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'email', maxLength: 254 }) email!: string | null;
}

export class QueryAll001 extends Result001 {
  @ApiProperty({ ...COUNT, description: 'Number of ordinary users' }) total!: number;
  @ApiProperty({ ...LIMIT, example: 50 }) limit!: number;
  @ApiProperty({ ...PAGE }) page!: number;
  @ApiProperty({ type: [UserItem001], maxItems: MAX_LIMIT }) users!: UserItem001[];
}

export class User001 {
  @ApiProperty({ ...ID_001 }) user_id!: string;
  @ApiProperty({ ...USERNAME }) user_name!: string;
  @ApiProperty({ nullable: true, type: String, ...PHONE }) user_phone!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'email', maxLength: 254 }) user_email!: string | null;
}

export class Query001 extends Result001 {
  @ApiProperty({ type: User001 }) user!: User001;
}

export class Removed001 extends Result001 {
  @ApiProperty({ ...ID_001 }) user_id!: string;
}

export class Detail000 {
  @ApiProperty({
    maxLength: QUOTED_DETAIL_MAX_LENGTH,
    example: 'Validation failed: username: username may contain only letters and digits, 6 to 22 characters',
  })
  detail!: string;
}

export class BlacklistEntry000 {
  @ApiProperty({ ...ID_000 }) id!: number;
  @ApiProperty({ ...ID_000, description: "The blacklisted user's 000 id" }) patient!: number;
  @ApiProperty({ format: 'date-time' }) join_time!: string;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: 1, enum: [0, 1] }) is_delete!: number;
  @ApiProperty({ maxLength: 500 }) reason!: string;
  @ApiProperty({ ...ID_000, nullable: true, description: 'Who blacklisted the user (000 id)' }) operator!: number | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) removed_at!: string | null;
  @ApiProperty({ ...ID_000, nullable: true }) removed_by!: number | null;
}

/** An occupation on the 000 API: its 000 id is its code. */
export class Occupation000 {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 2147483647,
    example: 34,
    description: 'The occupation code (its 000 id)',
  })
  id!: number;
  @ApiProperty({ maxLength: 100, example: 'Software Developer' }) name!: string;
}

export class Profile000 extends OmitType(ProfileResponse, ['occupation'] as const) {
  @ApiPropertyOptional({ nullable: true, type: () => Occupation000 }) occupation?: Occupation000 | null;
  @ApiPropertyOptional({ nullable: true, type: String, ...PHONE, description: 'The phone number (the 000 name of phone_number)' })
  phone?: string | null;
}

/** A user on the 000 API: the canonical user with its 000 id (no source_ids: the 000 API shows its own ids only). */
export class User000 extends OmitType(UserResponse, ['id', 'profile', 'source_ids'] as const) {
  @ApiProperty({ ...ID_000, description: "The user's 000 id: `/api/users/{id}/`" }) id!: number;
  @ApiProperty({ type: () => Profile000 }) profile!: Partial<Profile000>;
}

export class Group000 extends OmitType(GroupResponse, ['id'] as const) {
  @ApiProperty({ ...ID_000, description: "The group's 000 id: `/api/groups/{id}/`" }) id!: number;
}

export class AuditLog000 extends OmitType(AuditLogResponse, ['id', 'user', 'operator'] as const) {
  @ApiProperty({ ...ID_000, description: "The record's 000 id: `/api/user-logs/{id}/`" }) id!: number;
  @ApiProperty({ ...ID_000, nullable: true, description: 'The user the record is about (000 id)' }) user!: number | null;
  @ApiProperty({ ...ID_000, nullable: true, description: 'Who acted (000 id; the user themself for login and logout)' })
  operator!: number | null;
}

export class Token000 {
  @ApiProperty({ ...ACCESS_TOKEN, description: 'The access token (send it as `Authorization: Bearer <token>`; `Token <token>` works too)' })
  token!: string;
  @ApiProperty({ ...ACCESS_TOKEN }) access_token!: string;
  @ApiProperty({ ...REFRESH_TOKEN }) refresh_token!: string;
  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' }) token_type!: string;
  @ApiProperty({ ...EXPIRES_IN }) expires_in!: number;
  @ApiProperty({ ...REFRESH_EXPIRES_IN }) refresh_expires_in!: number;
  @ApiProperty({ type: () => User000, description: 'The signed-in user (its profile also shows `phone`)' }) user!: User000;
}
