import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Tx } from '../database/transactions';
import { Invitation } from './invitation.entity';

/** The SQL of the invitations table. Codes arrive here already hashed: the plain code never reaches the database. */
@Injectable()
export class InvitationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private invitations(tx?: Tx) {
    return (tx ?? this.dataSource.manager).getRepository(Invitation);
  }

  /** Inserts one and answers the stored row (without its hash). */
  async insert(values: Pick<Invitation, 'codeHash' | 'role' | 'maxUses' | 'expiresAt' | 'createdBy'>, tx?: Tx): Promise<Invitation> {
    const inserted = await this.invitations(tx).insert(values);
    return this.invitations(tx).findOneByOrFail({ id: (inserted.identifiers[0] as { id: string }).id });
  }

  findById(id: string): Promise<Invitation | null> {
    return this.invitations().findOneBy({ id });
  }

  /** Newest first; `count` is every invitation. */
  async page(slice: { offset: number; limit: number }): Promise<{ rows: Invitation[]; count: number }> {
    const [rows, count] = await this.invitations().findAndCount({
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: slice.offset,
      take: slice.limit,
    });
    return { rows, count };
  }

  /** Marks it revoked unless it already was; false when it already was (or does not exist). */
  async revoke(id: string, by: string, tx?: Tx): Promise<boolean> {
    const result: [unknown[], number] = await (tx ?? this.dataSource.manager).query(
      `UPDATE invitations SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [id, by],
    );
    return result[1] > 0;
  }

  /** Whether the code with this hash could be used now; null when no invitation has it. */
  async usableByHash(codeHash: string): Promise<boolean | null> {
    const rows: Array<{ usable: boolean }> = await this.dataSource.query(
      `SELECT (revoked_at IS NULL AND expires_at > now() AND uses < max_uses) AS usable FROM invitations WHERE code_hash = $1`,
      [codeHash],
    );
    return rows.length === 0 ? null : rows[0].usable;
  }

  /**
   * Counts one use of the usable invitation with this hash, in the caller's transaction: one
   * conditional UPDATE, so its row lock makes parallel uses of a one-use code count exactly once.
   * Answers the row's id and stored hash, or null when no usable invitation has it.
   */
  async countUse(codeHash: string, tx: Tx): Promise<{ id: string; codeHash: string } | null> {
    // UPDATE ... RETURNING answers [rows, affected] through TypeORM.
    const [rows]: [Array<{ id: string; code_hash: string }>, number] = await tx.query(
      `UPDATE invitations SET uses = uses + 1
        WHERE code_hash = $1 AND revoked_at IS NULL AND expires_at > now() AND uses < max_uses
        RETURNING id, code_hash`,
      [codeHash],
    );
    return rows[0] ? { id: rows[0].id, codeHash: rows[0].code_hash } : null;
  }
}
