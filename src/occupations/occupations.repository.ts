import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { escapeLike } from '../common/database/errors';
import type { Reader } from '../database/read-replicas';
import type { Tx } from '../database/transactions';
import { Occupation } from './occupation.entity';

/** The SQL of the occupations table; errors are the database's own (unique and foreign-key violations included). */
@Injectable()
export class OccupationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private occupations(tx?: Tx | Reader) {
    return (tx ?? this.dataSource.manager).getRepository(Occupation);
  }

  /** A page by name; `count` matches the name filter, `total` is every occupation. `reader`: a replica (ReadReplicas) or the primary. */
  async page(
    filter: { name?: string },
    slice: { offset: number; limit: number },
    reader?: Reader,
  ): Promise<{ rows: Occupation[]; count: number; total: number }> {
    const filtered = this.occupations(reader).createQueryBuilder('o');
    if (filter.name) filtered.where(`lower(o.name) LIKE :name ESCAPE '\\'`, { name: `%${escapeLike(filter.name.toLowerCase())}%` });
    const [[rows, count], total] = await Promise.all([
      filtered.orderBy('o.name', 'ASC').addOrderBy('o.id', 'ASC').offset(slice.offset).limit(slice.limit).getManyAndCount(),
      this.occupations(reader).count(),
    ]);
    return { rows, count, total };
  }

  findById(id: string): Promise<Occupation | null> {
    return this.occupations().findOne({ where: { id } });
  }

  /** By the 000 system's numeric id. */
  findByCode(code: number): Promise<Occupation | null> {
    return this.occupations().findOne({ where: { code } });
  }

  /** The codes (the 000 API's ids) of these occupations. */
  async codes(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; code: number }> = await this.dataSource.query(
      `SELECT id, code FROM occupations WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.code]));
  }

  /** Inserts one and answers its id. */
  async insert(name: string, tx?: Tx): Promise<string> {
    const inserted = await this.occupations(tx).insert({ name });
    return (inserted.identifiers[0] as { id: string }).id;
  }

  async rename(id: string, name: string, tx?: Tx): Promise<void> {
    await this.occupations(tx).update({ id }, { name });
  }

  async delete(id: string, tx?: Tx): Promise<void> {
    await this.occupations(tx).delete({ id });
  }

  /**
   * Whether any user (deleted ones included) references it. Reads users.occupation_id, the foreign
   * key to this table, which also refuses the delete when a user takes it meanwhile.
   */
  async isInUse(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM users WHERE occupation_id = $1 LIMIT 1`, [id]);
    return rows.length > 0;
  }
}
