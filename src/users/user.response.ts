import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Role } from '../config/app-config';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { ROLES } from '../common/policies/roles';
import { SAFE_INTEGER_MAX } from '../common/swagger/limits';
import { LANGUAGES } from './dto/profile.dto';
import type { User } from './user.entity';

/** How much of a user a viewer may see. One function decides it: `visibilityFor`. */
export type UserVisibility = 'full' | 'staff' | 'public';

/** Who is looking: the signed-in caller (or the user themself, for their own record). */
export type UserViewer = Pick<AuthUser, 'id' | 'role'> | null;

/**
 * The user themself and superadmins see everything; admins see other users without the time
 * fields; anyone else (a fellow group member) sees only the public card.
 */
export function visibilityFor(viewer: UserViewer, target: Pick<User, 'id'>): UserVisibility {
  if (!viewer) return 'public';
  if (viewer.id === target.id || viewer.role === 'superadmin') return 'full';
  if (viewer.role === 'admin') return 'staff';
  return 'public';
}

export class OccupationRefResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Engineer', maxLength: 100 })
  name!: string;
}

export class ProfileResponse {
  @ApiProperty({ nullable: true, type: String, maxLength: 100, example: '张三' })
  name!: string | null;

  @ApiProperty({ nullable: true, type: String, maxLength: 600, example: 'zhang san', description: 'Derived from name, read-only' })
  name_pinyin!: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 50 })
  first_name?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 50 })
  last_name?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 2,
    enum: [0, 1, 2],
    description: '0 female, 1 male, 2 other',
  })
  gender?: number | null;

  @ApiPropertyOptional({ nullable: true, type: 'integer', format: 'int32', minimum: 0, maximum: 150 })
  age?: number | null;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date' })
  birthday?: string | null;

  @ApiPropertyOptional({ nullable: true, type: () => OccupationRefResponse })
  occupation?: OccupationRefResponse | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 18, pattern: '^\\d{17}[\\dXx]$' })
  identify_id?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 255 })
  address?: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'uri' })
  avatar_url!: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, enum: LANGUAGES })
  language_preference?: string | null;
}

/**
 * The ids a user had in the system it was imported from, keyed by that source. Each source API keeps
 * addressing every user (imported or not) by its own kind of id; this map is for teams that must match
 * the canonical UUID with records in their other systems.
 */
export class SourceIdsResponse {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int64',
    minimum: 1,
    maximum: SAFE_INTEGER_MAX,
    example: 17,
    description: "The user's id in the 000 system (its Django user id; the 000 API's `/api/users/17/`)",
  })
  '000'?: number;

  @ApiPropertyOptional({
    minLength: 24,
    maxLength: 24,
    pattern: '^[0-9a-f]{24}$',
    example: '5f1d7c2e9b1e8a0012345678',
    description: "The user's id in the 001 system (its MongoDB ObjectId; the 001 API's `user_id`)",
  })
  '001'?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The user's id in the 003 system (kept as the canonical id on import)" })
  '003'?: string;
}

/** `{ [source]: id }` for a user imported from a source system, `{}` for one created here. */
export function sourceIdsOf(user: Pick<User, 'id' | 'id000' | 'id001' | 'source'>): SourceIdsResponse {
  switch (user.source) {
    case '000':
      return { '000': Number(user.id000) };
    case '001':
      return { '001': user.id001 };
    case '003':
      return { '003': user.id };
    default:
      return {};
  }
}

/** A user as the API shows it. Built field by field, so a new column never leaks by accident. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ maxLength: 22, pattern: '^[A-Za-z0-9]{6,22}$', example: 'alice2024' })
  username!: string;

  @ApiProperty({
    type: () => SourceIdsResponse,
    example: { '000': 17 },
    description:
      'The id this user had in the system it was imported from, keyed by source: `{ "000": 17 }` (an integer) from 000, ' +
      '`{ "001": "5f1d7c2e9b1e8a0012345678" }` from 001, `{ "003": "<uuid>" }` from 003, `{}` for a user created here. ' +
      'Teams map their other systems to the canonical `id` with it. The source APIs address every user, imported or not, ' +
      'by their own kind of id (000: integers, 001: ObjectIds, 003: this UUID).',
  })
  source_ids!: SourceIdsResponse;

  @ApiPropertyOptional({ format: 'email', maxLength: 254, example: 'alice@example.com' })
  email?: string;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 21, pattern: '^\\+?\\d{6,20}$', example: '+8618888888888' })
  phone_number?: string | null;

  @ApiPropertyOptional({ enum: ROLES, example: 'user' })
  role?: Role;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 1,
    enum: [0, 1],
    example: 1,
    description: '1 normal, 0 disabled',
  })
  state?: number;

  @ApiProperty({ type: () => ProfileResponse })
  profile!: Partial<ProfileResponse>;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only for the user themself and superadmins' })
  created_at?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only for the user themself and superadmins' })
  updated_at?: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'Only for the user themself and superadmins' })
  last_login_at?: string | null;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'Only for superadmins (deleted users)' })
  deleted_at?: string | null;

  @ApiPropertyOptional({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the email address was proved by the link sent to it (null: not yet). For the user themself and staff',
  })
  email_verified_at?: string | null;

  @ApiPropertyOptional({
    format: 'email',
    nullable: true,
    type: String,
    maxLength: 254,
    description:
      'A new address asked for (PATCH) and not yet confirmed through the link sent to it; `email` keeps the old address until then. For the user themself and staff',
  })
  pending_email?: string | null;

  /** The fields `viewer` may see of `user` (visibilityFor), copied one by one. */
  static from(user: User, viewer: UserViewer): UserResponse {
    const visibility = visibilityFor(viewer, user);
    const response = new UserResponse();
    response.id = user.id;
    response.username = user.username;
    response.source_ids = sourceIdsOf(user);
    if (visibility === 'public') {
      response.profile = { name: user.name, name_pinyin: user.namePinyin, avatar_url: user.avatarUrl };
      return response;
    }
    response.email = user.email;
    response.phone_number = user.phoneNumber;
    response.role = user.role;
    response.state = user.state;
    response.email_verified_at = user.emailVerifiedAt?.toISOString() ?? null;
    response.pending_email = user.pendingEmail ?? null;
    response.profile = {
      name: user.name,
      name_pinyin: user.namePinyin,
      first_name: user.firstName,
      last_name: user.lastName,
      gender: user.gender,
      age: user.age,
      birthday: user.birthday,
      occupation: user.occupation ? { id: user.occupation.id, name: user.occupation.name } : null,
      identify_id: user.identifyId,
      address: user.address,
      avatar_url: user.avatarUrl,
      language_preference: user.languagePreference,
    };
    if (visibility === 'full') {
      response.created_at = user.createdAt.toISOString();
      response.updated_at = user.updatedAt.toISOString();
      response.last_login_at = user.lastLoginAt?.toISOString() ?? null;
      response.deleted_at = user.deletedAt?.toISOString() ?? null;
    }
    return response;
  }
}
