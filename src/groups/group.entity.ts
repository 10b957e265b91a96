import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'groups' })
export class Group {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The id the 000 API shows (API.md: integers there); kept from the source on import. */
  @Column({ name: 'id_000', type: 'bigint', insert: false, update: false })
  id000!: string;

  /** The source system this record was imported from ('000', '001', '003'), or null. */
  @Column({ type: 'varchar', length: 3, nullable: true, insert: false, update: false })
  source!: string | null;

  /** Unique case-insensitively among groups that are not deleted. */
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  location!: string | null;

  @Column({ name: 'contact_phone', type: 'varchar', length: 21, nullable: true })
  contactPhone!: string | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  description!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
