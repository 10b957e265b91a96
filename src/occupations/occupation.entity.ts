import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'occupations' })
export class Occupation {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The source system this record was imported from ('000', '001', '003'), or null. */
  @Column({ type: 'varchar', length: 3, nullable: true, insert: false, update: false })
  source!: string | null;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** The numeric id of the 000 system, assigned by the database. */
  @Column({ type: 'integer', insert: false, update: false })
  code!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
