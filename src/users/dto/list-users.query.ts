import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import type { Role } from '../../config/app-config';
import { PaginationQuery } from '../../common/pagination/pagination';
import { ROLES } from '../../common/policies/roles';
import { Omittable, ToInteger } from '../../common/validation/validators';

export const USER_SORT_FIELDS = ['created_at', 'updated_at', 'last_login_at', 'username', 'email', 'name', 'role', 'state', 'age'] as const;
/** Every value one sort key may take: the allowlist, ascending and descending. */
const SORT_KEYS = USER_SORT_FIELDS.flatMap((field) => [field, `-${field}`]);
const SORT_PATTERN = new RegExp(`^-?(${USER_SORT_FIELDS.join('|')})(,-?(${USER_SORT_FIELDS.join('|')}))*$`);

export class ListUsersQuery extends PaginationQuery {
  @ApiPropertyOptional({ maxLength: 22, description: 'Exact username (case-insensitive)' })
  @Omittable()
  @IsString()
  @MaxLength(22)
  username?: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'Username contains this text (case-insensitive)' })
  @Omittable()
  @IsString()
  @MaxLength(100)
  username_container?: string;

  @ApiPropertyOptional({ maxLength: 100, description: "Alias of username_container (the 003 system's own spelling)" })
  @Omittable()
  @IsString()
  @MaxLength(100)
  username__container?: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'Alias of username_container' })
  @Omittable()
  @IsString()
  @MaxLength(100)
  username_contains?: string;

  @ApiPropertyOptional({
    maxLength: 100,
    description: 'Name contains this text; also matches pinyin ("zhangsan", "zhang san") and initials ("zs")',
  })
  @Omittable()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ maxLength: 254, description: 'Exact email (case-insensitive)' })
  @Omittable()
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @Omittable()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 0, maximum: 1, enum: [0, 1], description: '1 normal, 0 disabled' })
  @Omittable()
  @ToInteger()
  @IsIn([0, 1])
  state?: 0 | 1;

  @ApiPropertyOptional({ format: 'uuid', description: 'Occupation id' })
  @Omittable()
  @IsUUID('all')
  occupation?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only members of this group' })
  @Omittable()
  @IsUUID('all')
  group?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', enum: SORT_KEYS },
    maxItems: USER_SORT_FIELDS.length,
    uniqueItems: true,
    example: ['-created_at'],
    description: `Comma-separated (sort=-role,username) fields from ${USER_SORT_FIELDS.join(', ')}; a leading - sorts descending. Default created_at.`,
  })
  @Omittable()
  @IsString()
  @MaxLength(200)
  @Matches(SORT_PATTERN, { message: `sort may only use ${USER_SORT_FIELDS.join(', ')}, each optionally prefixed with -` })
  sort?: string;

  @ApiPropertyOptional({
    enum: ['false', 'true', 'all'],
    default: 'false',
    description: 'superadmin only: true lists only deleted users, all lists both',
  })
  @Omittable()
  @IsIn(['false', 'true', 'all', '0', '1'])
  deleted?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    maxLength: 36,
    description:
      "Keyset paging: pass the previous page's `next_cursor` to get the rows after it, in constant time however deep. " +
      'Works with the default order (created_at) or sort=-created_at, and not together with page.',
  })
  @Omittable()
  @IsUUID('all')
  cursor?: string;
}
