import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One blacklisting of a user. At most one active entry per user (a partial unique index); removed ones stay. */
@Entity({ name: 'black_list' })
export class BlacklistEntry {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The id the 000 API shows (API.md: integers there); kept from the source on import. */
  @Column({ name: 'id_000', type: 'bigint', insert: false, update: false })
  id000!: string;

  /** The source system this record was imported from ('000', '001', '003'), or null. */
  @Column({ type: 'varchar', length: 3, nullable: true, insert: false, update: false })
  source!: string | null;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;

  @Column({ name: 'join_time', type: 'timestamptz', insert: false, update: false })
  joinTime!: Date;

  /** 0 active, 1 removed (the source system's spelling). */
  @Column({ name: 'is_delete', type: 'smallint', default: 0 })
  isDelete!: 0 | 1;

  @Column({ name: 'operator_id', type: 'uuid', nullable: true })
  operatorId!: string | null;

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt!: Date | null;

  @Column({ name: 'removed_by', type: 'uuid', nullable: true })
  removedBy!: string | null;
}
