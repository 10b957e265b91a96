import type { AuthUser } from '../../src/common/decorators/auth.decorators';
import { ErrorCode } from '../../src/common/errors/error-codes';
import { PaginationQuery } from '../../src/common/pagination/pagination';
import { Transactions } from '../../src/database/transactions';
import { InvitationsService } from '../../src/invitations/invitations.service';
import { createMedium, errorCodeOf, Medium } from '../support/medium';

describe('InvitationsService (medium)', () => {
  let medium: Medium;
  let invitations: InvitationsService;
  let transactions: Transactions;
  let superadmin: AuthUser;
  let admin: AuthUser;

  beforeAll(async () => {
    medium = await createMedium();
    invitations = medium.get(InvitationsService);
    transactions = medium.get(Transactions);
    [superadmin, admin] = await Promise.all([medium.user({ role: 'superadmin' }), medium.user({ role: 'admin' })]);
  });
  afterAll(() => medium?.dispose());

  const consume = (code: string): Promise<string> => transactions.run((tx) => invitations.consume(code, tx));

  it('counts each use and refuses the code once it is used up (40002)', async () => {
    const created = await invitations.create(superadmin, { max_uses: 2 });
    expect(await invitations.check(created.code!)).toBe('usable');
    expect(await consume(created.code!)).toBe(created.id);
    expect(await consume(created.code!)).toBe(created.id);
    expect(await errorCodeOf(consume(created.code!))).toBe(ErrorCode.INVITATION_INVALID);
    expect(await invitations.check(created.code!)).toBe('unusable');
    const [listed] = (await invitations.list(superadmin, Object.assign(new PaginationQuery(), { page: 1, limit: 100 }))).data.filter(
      (invitation) => invitation.id === created.id,
    );
    expect(listed).toEqual(expect.objectContaining({ uses: 2, max_uses: 2, status: 'used_up' }));
    expect(listed).not.toHaveProperty('code');
  });

  it('counts a one-use code exactly once under parallel use', async () => {
    const created = await invitations.create(superadmin, { max_uses: 1 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => consume(created.code!)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const [row] = await medium.sql<{ uses: number }>(`SELECT uses FROM invitations WHERE id = $1`, [created.id]);
    expect(row.uses).toBe(1);
  });

  it('does not count a use whose transaction rolls back', async () => {
    const created = await invitations.create(superadmin, { max_uses: 1 });
    await expect(
      transactions.run(async (tx) => {
        await invitations.consume(created.code!, tx);
        throw new Error('registration failed');
      }),
    ).rejects.toThrow('registration failed');
    expect(await invitations.check(created.code!)).toBe('usable');
  });

  it('refuses unknown and revoked codes; revoking twice is a conflict (40903)', async () => {
    expect(await invitations.check('inv_not-a-real-code')).toBe('unknown');
    expect(await errorCodeOf(consume('inv_not-a-real-code'))).toBe(ErrorCode.INVITATION_INVALID);
    const created = await invitations.create(superadmin, {});
    expect((await invitations.revoke(superadmin, created.id)).status).toBe('revoked');
    expect(await errorCodeOf(consume(created.code!))).toBe(ErrorCode.INVITATION_INVALID);
    expect(await errorCodeOf(invitations.revoke(superadmin, created.id))).toBe(ErrorCode.CONFLICT);
  });

  it('is for superadmins only (40301)', async () => {
    expect(await errorCodeOf(invitations.create(admin, {}))).toBe(ErrorCode.FORBIDDEN_ROLE);
    expect(await errorCodeOf(invitations.list(admin, new PaginationQuery()))).toBe(ErrorCode.FORBIDDEN_ROLE);
  });
});
