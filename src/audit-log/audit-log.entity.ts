import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Small facts about the operation (changed field names, from/to values); never secrets. */
export type AuditDetails = Record<string, string | number | boolean | null | string[]>;

/**
 * One audit record. Rows are written only through AuditLogService.record(); the database
 * refuses UPDATE and DELETE, and a trigger chains each row's hash to the previous one.
 */
@Entity({ name: 'audit_logs' })
export class AuditLog {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The id the 000 API shows (API.md: integers there); kept from the source on import. */
  @Column({ name: 'id_000', type: 'bigint', insert: false, update: false })
  id000!: string;

  /** The source system this record was imported from ('000', '001', '003'), or null. */
  @Column({ type: 'varchar', length: 3, nullable: true, insert: false, update: false })
  source!: string | null;

  /** Position in the hash chain, assigned by the database trigger. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ name: 'operator_id', type: 'uuid', nullable: true })
  operatorId!: string | null;

  @Column({ type: 'smallint' })
  operation!: number;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  details!: AuditDetails | null;

  @Column({ name: 'operate_time', type: 'timestamptz', insert: false, update: false })
  operateTime!: Date;

  @Column({ name: 'prev_hash', type: 'char', length: 64, insert: false, update: false })
  prevHash!: string;

  @Column({ type: 'char', length: 64, insert: false, update: false })
  hash!: string;
}
