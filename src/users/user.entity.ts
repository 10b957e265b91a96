import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Role } from '../config/app-config';
import { Occupation } from '../occupations/occupation.entity';

export const USER_STATE = { DISABLED: 0, NORMAL: 1 } as const;
export type UserState = (typeof USER_STATE)[keyof typeof USER_STATE];

/**
 * A user row. The password hash is not selected by default: only the login and password-change
 * queries ask for it, by name.
 */
@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The id the 000 API shows (API.md: integers there); kept from the source on import. */
  @Column({ name: 'id_000', type: 'bigint', insert: false, update: false })
  id000!: string;

  /** The id the 001 API shows (a 24-hex ObjectId); kept from the source on import. */
  @Column({ name: 'id_001', type: 'char', length: 24, insert: false, update: false })
  id001!: string;

  /** The source system this record was imported from ('000', '001', '003'), or null. */
  @Column({ type: 'varchar', length: 3, nullable: true, insert: false, update: false })
  source!: string | null;

  @Column({ type: 'varchar', length: 22 })
  username!: string;

  /** Stored lower-case. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'phone_number', type: 'varchar', length: 21, nullable: true })
  phoneNumber!: string | null;

  @Column({ name: 'password_hash', type: 'varchar', length: 255, select: false })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  role!: Role;

  @Column({ type: 'smallint', default: USER_STATE.NORMAL })
  state!: UserState;

  @Column({ type: 'varchar', length: 100, nullable: true })
  name!: string | null;

  /** Derived from name, read-only for clients. */
  @Column({ name: 'name_pinyin', type: 'varchar', length: 600, nullable: true })
  namePinyin!: string | null;

  /** Internal search text (name, pinyin, initials), never returned. */
  @Column({ name: 'name_search', type: 'text', nullable: true, select: false })
  nameSearch!: string | null;

  @Column({ name: 'first_name', type: 'varchar', length: 50, nullable: true })
  firstName!: string | null;

  @Column({ name: 'last_name', type: 'varchar', length: 50, nullable: true })
  lastName!: string | null;

  @Column({ type: 'smallint', nullable: true })
  gender!: number | null;

  @Column({ type: 'smallint', nullable: true })
  age!: number | null;

  /** A calendar date, kept as 'YYYY-MM-DD'. */
  @Column({ type: 'date', nullable: true })
  birthday!: string | null;

  @Column({ name: 'occupation_id', type: 'uuid', nullable: true })
  occupationId!: string | null;

  @ManyToOne(() => Occupation, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'occupation_id' })
  occupation?: Occupation | null;

  @Column({ name: 'identify_id', type: 'varchar', length: 18, nullable: true })
  identifyId!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  address!: string | null;

  @Column({ name: 'avatar_url', type: 'varchar', length: 2048, nullable: true })
  avatarUrl!: string | null;

  @Column({ name: 'language_preference', type: 'varchar', length: 8, nullable: true })
  languagePreference!: string | null;

  /** The invitation this admin registered with, if any. */
  @Column({ name: 'invitation_id', type: 'uuid', nullable: true })
  invitationId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt!: Date | null;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
