import { Injectable } from '@nestjs/common';
import { violatedForeignKey, violatedUniqueConstraint } from '../common/database/errors';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { ReadingClient, ReadReplicas } from '../database/read-replicas';
import { ListUsersQuery } from '../users/dto/list-users.query';
import { UserResponse } from '../users/user.response';
import { UsersService } from '../users/users.service';
import type { ListOccupationsQuery } from './dto/occupation.dto';
import { Occupation } from './occupation.entity';
import { OccupationResponse } from './occupation.response';
import { OccupationsRepository } from './occupations.repository';

const NAME_TAKEN = { en: 'An occupation with this name already exists', zh: '同名职业已存在' };
const IN_USE = { en: 'The occupation is in use by at least one user', zh: '仍有用户使用该职业' };

/** Occupations: anyone reads them; the writes are staff's, by the floor on their routes (@Authenticated({ role: 'admin' })). */
@Injectable()
export class OccupationsService {
  constructor(
    private readonly repository: OccupationsRepository,
    private readonly users: UsersService,
    private readonly replicas: ReadReplicas,
  ) {}

  /**
   * A public list, read on a replica. The route checks no session, so a client that sends a token
   * (staff who may just have written an occupation) is read on the primary: its last write is not known here.
   * Callers that do not say (the source APIs) read the primary.
   */
  async list(query: ListOccupationsQuery, client: ReadingClient = { primaryOnly: true }): Promise<Page<OccupationResponse>> {
    const { rows, count, total } = await this.replicas.run(client, (reader) => this.repository.page({ name: query.name }, query, reader));
    return toPage(rows.map(OccupationResponse.from), count, total, query);
  }

  async get(id: string): Promise<OccupationResponse> {
    return OccupationResponse.from(await this.find(id));
  }

  /** The occupation with this legacy numeric code (the 000 system's ids), or null. */
  async findByCode(code: number): Promise<Occupation | null> {
    return this.repository.findByCode(code);
  }

  /** The codes (the 000 API's ids) of these occupations. */
  codes(ids: string[]): Promise<Map<string, number>> {
    return this.repository.codes(ids);
  }

  async create(_actor: AuthUser, name: string): Promise<OccupationResponse> {
    return this.get(await this.mapNameConflict(() => this.repository.insert(name)));
  }

  async update(_actor: AuthUser, id: string, name: string | undefined): Promise<OccupationResponse> {
    await this.find(id);
    if (name !== undefined) await this.mapNameConflict(() => this.repository.rename(id, name));
    return this.get(id);
  }

  /** Refused with 40903 while any user (deleted ones included) references it; the foreign key decides races. */
  async remove(_actor: AuthUser, id: string): Promise<void> {
    await this.find(id);
    if (await this.repository.isInUse(id)) throw AppException.conflict(IN_USE);
    try {
      await this.repository.delete(id);
    } catch (error) {
      if (violatedForeignKey(error)) throw AppException.conflict(IN_USE);
      throw error;
    }
  }

  /** The users with this occupation, through the same list as GET /users. */
  async usersOf(actor: AuthUser, id: string, page: PaginationQuery): Promise<Page<UserResponse>> {
    await this.find(id);
    return this.users.list(actor, Object.assign(new ListUsersQuery(), { page: page.page, limit: page.limit }), { occupation: id });
  }

  private async find(id: string): Promise<Occupation> {
    const occupation = await this.repository.findById(id);
    if (!occupation) throw AppException.notFound();
    return occupation;
  }

  private async mapNameConflict<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'occupations_name_lower_key') throw AppException.conflict(NAME_TAKEN);
      throw error;
    }
  }
}
