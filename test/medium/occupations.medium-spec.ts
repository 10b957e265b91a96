import type { AuthUser } from '../../src/common/decorators/auth.decorators';
import { ErrorCode } from '../../src/common/errors/error-codes';
import { PaginationQuery } from '../../src/common/pagination/pagination';
import { ListOccupationsQuery } from '../../src/occupations/dto/occupation.dto';
import { OccupationsService } from '../../src/occupations/occupations.service';
import { createMedium, errorCodeOf, Medium } from '../support/medium';

describe('OccupationsService (medium)', () => {
  let medium: Medium;
  let occupations: OccupationsService;
  let admin: AuthUser;

  beforeAll(async () => {
    medium = await createMedium();
    occupations = medium.get(OccupationsService);
    admin = await medium.user({ role: 'admin' });
  });
  afterAll(() => medium?.dispose());

  const unique = (prefix: string): string => `${prefix} ${Math.random().toString(36).slice(2)}`;

  it('refuses to delete an occupation while a user has it (40903), deleted users included', async () => {
    const occupation = await occupations.create(admin, unique('Nurse'));
    const holder = await medium.user({ occupationId: occupation.id, deleted: true });
    expect(await errorCodeOf(occupations.remove(admin, occupation.id))).toBe(ErrorCode.CONFLICT);
    expect((await occupations.get(occupation.id)).name).toBe(occupation.name);

    await medium.sql(`UPDATE users SET occupation_id = NULL WHERE id = $1`, [holder.id]);
    await occupations.remove(admin, occupation.id);
    expect(await errorCodeOf(occupations.get(occupation.id))).toBe(ErrorCode.NOT_FOUND);
    expect(await errorCodeOf(occupations.remove(admin, occupation.id))).toBe(ErrorCode.NOT_FOUND);
  });

  it('lists the users that have it', async () => {
    const occupation = await occupations.create(admin, unique('Surgeon'));
    const holder = await medium.user({ occupationId: occupation.id });
    const page = Object.assign(new PaginationQuery(), { page: 1, limit: 10 });
    expect((await occupations.usersOf(admin, occupation.id, page)).data.map((user) => user.id)).toEqual([holder.id]);
  });

  it('keeps names unique case-insensitively on create and rename (40903)', async () => {
    const first = await occupations.create(admin, unique('Pilot'));
    const second = await occupations.create(admin, unique('Baker'));
    expect(await errorCodeOf(occupations.create(admin, first.name.toUpperCase()))).toBe(ErrorCode.CONFLICT);
    expect(await errorCodeOf(occupations.update(admin, second.id, first.name.toLowerCase()))).toBe(ErrorCode.CONFLICT);
    expect((await occupations.update(admin, second.id, `${second.name} II`)).name).toBe(`${second.name} II`);
  });

  it('finds by name fragment, with count for the filter and total for all', async () => {
    const occupation = await occupations.create(admin, unique('Zymurgist'));
    const list = await occupations.list(Object.assign(new ListOccupationsQuery(), { page: 1, limit: 10, name: 'zymurg' }));
    expect(list.data.map((o) => o.id)).toEqual([occupation.id]);
    expect(list.count).toBe(1);
    expect(list.total).toBeGreaterThan(1);
  });
});
