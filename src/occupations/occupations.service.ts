import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { escapeLike, violatedForeignKey, violatedUniqueConstraint } from '../common/database/errors';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { requireRole } from '../common/policies/roles';
import { ListUsersQuery } from '../users/dto/list-users.query';
import { UserResponse } from '../users/user.response';
import { UsersService } from '../users/users.service';
import type { ListOccupationsQuery } from './dto/occupation.dto';
import { Occupation } from './occupation.entity';
import { OccupationResponse } from './occupation.response';

const NAME_TAKEN = { en: 'An occupation with this name already exists', zh: '同名职业已存在' };
const IN_USE = { en: 'The occupation is in use by at least one user', zh: '仍有用户使用该职业' };

@Injectable()
export class OccupationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
  ) {}

  private get repository() {
    return this.dataSource.getRepository(Occupation);
  }

  async list(query: ListOccupationsQuery): Promise<Page<OccupationResponse>> {
    const filtered = this.repository.createQueryBuilder('o');
    if (query.name) filtered.where(`lower(o.name) LIKE :name ESCAPE '\\'`, { name: `%${escapeLike(query.name.toLowerCase())}%` });
    const [[rows, count], total] = await Promise.all([
      filtered.orderBy('o.name', 'ASC').addOrderBy('o.id', 'ASC').offset(query.offset).limit(query.limit).getManyAndCount(),
      this.repository.count(),
    ]);
    return toPage(rows.map(OccupationResponse.from), count, total, query);
  }

  async get(id: string): Promise<OccupationResponse> {
    return OccupationResponse.from(await this.find(id));
  }

  /** The occupation with this legacy numeric code (the 000 system's ids), or null. */
  async findByCode(code: number): Promise<Occupation | null> {
    return this.repository.findOne({ where: { code } });
  }

  async create(actor: AuthUser, name: string): Promise<OccupationResponse> {
    requireRole(actor, 'admin');
    try {
      const inserted = await this.repository.insert({ name });
      return this.get((inserted.identifiers[0] as { id: string }).id);
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'occupations_name_lower_key') throw AppException.conflict(NAME_TAKEN);
      throw error;
    }
  }

  async update(actor: AuthUser, id: string, name: string | undefined): Promise<OccupationResponse> {
    requireRole(actor, 'admin');
    await this.find(id);
    if (name !== undefined) {
      try {
        await this.repository.update({ id }, { name });
      } catch (error) {
        if (violatedUniqueConstraint(error) === 'occupations_name_lower_key') throw AppException.conflict(NAME_TAKEN);
        throw error;
      }
    }
    return this.get(id);
  }

  /** Refused with 40903 while any user (deleted ones included) references it; the foreign key decides races. */
  async remove(actor: AuthUser, id: string): Promise<void> {
    requireRole(actor, 'admin');
    await this.find(id);
    const inUse: unknown[] = await this.dataSource.query(`SELECT 1 FROM users WHERE occupation_id = $1 LIMIT 1`, [id]);
    if (inUse.length > 0) throw AppException.conflict(IN_USE);
    try {
      await this.repository.delete({ id });
    } catch (error) {
      if (violatedForeignKey(error)) throw AppException.conflict(IN_USE);
      throw error;
    }
  }

  /** The users with this occupation, through the same list as GET /users. */
  async usersOf(actor: AuthUser, id: string, page: PaginationQuery): Promise<Page<UserResponse>> {
    requireRole(actor, 'admin');
    await this.find(id);
    return this.users.list(actor, Object.assign(new ListUsersQuery(), { page: page.page, limit: page.limit }), { occupation: id });
  }

  private async find(id: string): Promise<Occupation> {
    const occupation = await this.repository.findOne({ where: { id } });
    if (!occupation) throw AppException.notFound();
    return occupation;
  }
}
