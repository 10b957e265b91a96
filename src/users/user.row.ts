import { Occupation } from '../occupations/occupation.entity';
import type { Role } from '../config/app-config';
import { User, UserState } from './user.entity';

/** Every column a user response needs, with the occupation, for plain queries (no password hash, no search text). */
export const USER_SELECT = `SELECT u.id, u.id_000, u.id_001, u.source, u.username, u.email, u.phone_number, u.role, u.state, u.name, u.name_pinyin, u.first_name,
       u.last_name, u.gender, u.age, u.birthday::text AS birthday, u.occupation_id, u.identify_id, u.address, u.avatar_url,
       u.language_preference, u.invitation_id, u.created_at, u.updated_at, u.last_login_at, u.deleted_at,
       u.email_verified_at, u.pending_email,
       o.name AS occupation_name, o.code AS occupation_code, o.created_at AS occupation_created_at, o.updated_at AS occupation_updated_at
  FROM users u LEFT JOIN occupations o ON o.id = u.occupation_id`;

export interface UserRow {
  id: string;
  /** bigint, as pg gives it: a string. */
  id_000: string;
  id_001: string;
  source: string | null;
  username: string;
  email: string;
  phone_number: string | null;
  role: Role;
  state: UserState;
  name: string | null;
  name_pinyin: string | null;
  first_name: string | null;
  last_name: string | null;
  gender: number | null;
  age: number | null;
  birthday: string | null;
  occupation_id: string | null;
  identify_id: string | null;
  address: string | null;
  avatar_url: string | null;
  language_preference: string | null;
  invitation_id: string | null;
  created_at: Date;
  updated_at: Date;
  last_login_at: Date | null;
  deleted_at: Date | null;
  email_verified_at: Date | null;
  pending_email: string | null;
  occupation_name: string | null;
  occupation_code: number | null;
  occupation_created_at: Date | null;
  occupation_updated_at: Date | null;
}

/** A row of USER_SELECT as the User entity TypeORM would have built. */
export function userFromRow(row: UserRow): User {
  const user = new User();
  user.id = row.id;
  user.id000 = row.id_000;
  user.id001 = row.id_001;
  user.source = row.source;
  user.username = row.username;
  user.email = row.email;
  user.phoneNumber = row.phone_number;
  user.role = row.role;
  user.state = row.state;
  user.name = row.name;
  user.namePinyin = row.name_pinyin;
  user.firstName = row.first_name;
  user.lastName = row.last_name;
  user.gender = row.gender;
  user.age = row.age;
  user.birthday = row.birthday;
  user.occupationId = row.occupation_id;
  user.identifyId = row.identify_id;
  user.address = row.address;
  user.avatarUrl = row.avatar_url;
  user.languagePreference = row.language_preference;
  user.invitationId = row.invitation_id;
  user.createdAt = row.created_at;
  user.updatedAt = row.updated_at;
  user.lastLoginAt = row.last_login_at;
  user.deletedAt = row.deleted_at;
  user.emailVerifiedAt = row.email_verified_at;
  user.pendingEmail = row.pending_email;
  if (row.occupation_id !== null && row.occupation_name !== null) {
    const occupation = new Occupation();
    occupation.id = row.occupation_id;
    occupation.name = row.occupation_name;
    occupation.code = row.occupation_code as number;
    occupation.createdAt = row.occupation_created_at as Date;
    occupation.updatedAt = row.occupation_updated_at as Date;
    user.occupation = occupation;
  } else {
    user.occupation = null;
  }
  return user;
}
