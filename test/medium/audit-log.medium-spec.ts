import { AuditLogQueryService } from '../../src/audit-log/audit-log-query.service';
import { AuditLogService } from '../../src/audit-log/audit-log.service';
import { AuditOperation } from '../../src/audit-log/audit-operation';
import { AuditLogFilters, ListAuditLogsQuery } from '../../src/audit-log/dto/list-audit-logs.query';
import type { AuthUser } from '../../src/common/decorators/auth.decorators';
import { ErrorCode } from '../../src/common/errors/error-codes';
import { Transactions } from '../../src/database/transactions';
import { createMedium, errorCodeOf, Medium, MEDIUM_META } from '../support/medium';

const filters = (): AuditLogFilters => Object.assign(new AuditLogFilters(), { page: 1, limit: 100 });

describe('Audit log (medium)', () => {
  let medium: Medium;
  let audit: AuditLogService;
  let query: AuditLogQueryService;
  let admin: AuthUser;
  let subject: AuthUser;
  let other: AuthUser;

  beforeAll(async () => {
    medium = await createMedium();
    audit = medium.get(AuditLogService);
    query = medium.get(AuditLogQueryService);
    [admin, subject, other] = await Promise.all([medium.user({ role: 'admin' }), medium.user(), medium.user()]);
    // The subject signs in (their own record), then staff change them (staff's record about them).
    await audit.record({ operation: AuditOperation.LOGIN, userId: subject.id, operatorId: subject.id, meta: MEDIUM_META });
    await audit.record({
      operation: AuditOperation.USER_UPDATED,
      userId: subject.id,
      operatorId: admin.id,
      meta: { ip: '198.51.100.1', userAgent: 'staff-browser' },
      details: { fields: ['name'] },
    });
  });
  afterAll(() => medium?.dispose());

  describe('client fields', () => {
    it("hide the address and browser of staff from the user the records are about, not the user's own", async () => {
      const own = await query.listForUser(subject, subject.id, filters());
      const byOperation = new Map(own.data.map((record) => [record.operation, record]));
      expect(byOperation.get(AuditOperation.LOGIN)).toEqual(expect.objectContaining({ ip: MEDIUM_META.ip, user_agent: 'medium-spec' }));
      expect(byOperation.get(AuditOperation.USER_UPDATED)).toEqual(
        expect.objectContaining({ ip: null, user_agent: null, operator: admin.id }),
      );
    });

    it('shows them all to staff', async () => {
      const asStaff = await query.listForUser(admin, subject.id, filters());
      expect(asStaff.data.find((record) => record.operation === AuditOperation.USER_UPDATED)).toEqual(
        expect.objectContaining({ ip: '198.51.100.1', user_agent: 'staff-browser' }),
      );
      const one = await query.get(admin, asStaff.data[0].id);
      expect(one.ip).not.toBeNull();
    });

    it("refuses another user's records (40301) and answers 40401 for an unknown user", async () => {
      expect(await errorCodeOf(query.listForUser(other, subject.id, filters()))).toBe(ErrorCode.FORBIDDEN_ROLE);
      expect(await errorCodeOf(query.listForUser(admin, '00000000-0000-4000-8000-000000000009', filters()))).toBe(ErrorCode.NOT_FOUND);
      const [record] = (await query.listForUser(admin, subject.id, filters())).data;
      expect(await errorCodeOf(query.get(other, record.id))).toBe(ErrorCode.FORBIDDEN_ROLE);
    });
  });

  describe('record(entry, tx)', () => {
    it("commits and rolls back with the caller's transaction", async () => {
      const transactions = medium.get(Transactions);
      const count = async () => (await query.listForUser(admin, other.id, filters())).total;
      const before = await count();
      await expect(
        transactions.run(async (tx) => {
          await audit.record({ operation: AuditOperation.LOGOUT, userId: other.id, operatorId: other.id, meta: MEDIUM_META }, tx);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await count()).toBe(before);
      await transactions.run((tx) =>
        audit.record({ operation: AuditOperation.LOGOUT, userId: other.id, operatorId: other.id, meta: MEDIUM_META }, tx),
      );
      expect(await count()).toBe(before + 1);
    });
  });

  describe('lastStateChange', () => {
    it('answers when the user was last changed to that state, or null', async () => {
      const user = await medium.user();
      expect(await audit.lastStateChange(user.id, 0)).toBeNull();
      const change = (to: number) =>
        audit.record({
          operation: AuditOperation.STATE_CHANGED,
          userId: user.id,
          operatorId: admin.id,
          meta: MEDIUM_META,
          details: { from: 1 - to, to },
        });
      await change(0);
      const first = await audit.lastStateChange(user.id, 0);
      await change(1);
      await change(0);
      const second = await audit.lastStateChange(user.id, 0);
      expect(first).toBeInstanceOf(Date);
      expect(second!.getTime()).toBeGreaterThanOrEqual(first!.getTime());
      expect(await audit.lastStateChange(user.id, 1)).toBeInstanceOf(Date);
      expect(await audit.lastStateChange(other.id, 0)).toBeNull();
    });
  });

  describe('chain verification', () => {
    it('holds for records written through the service, and names the first entry altered behind its back', async () => {
      const ok = await query.verifyChain();
      expect(ok).toEqual(expect.objectContaining({ valid: true, first_broken: null }));
      expect(ok.checked).toBe(ok.head_seq);

      const [target] = await medium.sql<{ id: string; seq: string }>(
        `SELECT id, seq FROM audit_logs WHERE user_id = $1 AND operation = $2`,
        [subject.id, AuditOperation.USER_UPDATED],
      );
      await medium.sql('ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only');
      await medium.sql(`UPDATE audit_logs SET ip = '6.6.6.6' WHERE id = $1`, [target.id]);
      await medium.sql('ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only');
      const broken = await query.verifyChain();
      expect(broken.valid).toBe(false);
      expect(broken.first_broken).toEqual({ id: target.id, seq: Number(target.seq), reason: 'hash_mismatch' });
    });

    it('reports entries removed from the end (the head points past the last one)', async () => {
      const local = await createMedium();
      try {
        const localAudit = local.get(AuditLogService);
        const user = await local.user();
        for (const operation of [AuditOperation.LOGIN, AuditOperation.LOGOUT]) {
          await localAudit.record({ operation, userId: user.id, operatorId: user.id, meta: MEDIUM_META });
        }
        const [last] = await local.sql<{ seq: string }>(`SELECT seq FROM audit_logs ORDER BY seq DESC LIMIT 1`);
        await local.sql('ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only');
        await local.sql(`DELETE FROM audit_logs WHERE seq = $1`, [last.seq]);
        await local.sql('ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only');
        const result = await local.get(AuditLogQueryService).verifyChain();
        expect(result.valid).toBe(false);
        expect(result.first_broken).toEqual({ id: null, seq: Number(last.seq), reason: 'missing_entries' });
      } finally {
        await local.dispose();
      }
    });
  });

  it('lists the whole log newest first with count and total', async () => {
    const page = await query.list(admin, Object.assign(new ListAuditLogsQuery(), { page: 1, limit: 1, user: subject.id }));
    expect(page.data).toHaveLength(1);
    expect(page.count).toBeGreaterThanOrEqual(2);
    expect(page.total).toBeGreaterThanOrEqual(page.count);
  });
});
