import { validateUser } from '../../src/imports/import-validation';
import { MalformedExportError } from '../../src/imports/sources/import-record';
import { parseExport } from '../../src/imports/sources/parse-export';

const HASH = 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=';
const djangoUser = (pk: number, fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'auth.user',
  pk,
  fields: {
    password: HASH,
    last_login: null,
    is_superuser: false,
    username: `patient${String(pk).padStart(3, '0')}`,
    first_name: '',
    last_name: '',
    email: `P${pk}@Example.com`,
    is_staff: false,
    is_active: true,
    date_joined: '2019-03-04T08:30:00Z',
    groups: [],
    user_permissions: [],
    ...fields,
  },
});

describe('000 mapping (MIGRATION.md and the issue)', () => {
  const { preamble, bundles } = parseExport('000', [
    djangoUser(1, { is_superuser: true, is_staff: true }),
    djangoUser(2, { is_staff: true, is_active: false }),
    djangoUser(3),
    { model: 'users.occupation', pk: 4, fields: { name: 'Beekeeper' } },
    {
      model: 'users.profile',
      pk: 9,
      fields: { user: 3, phone: '', identify_id: '', name: '张三', occupation: 4, gender: 1, age: 30, address: '' },
    },
    { model: 'users.group', pk: 5, fields: { name: 'Ward', location: '', contact_phone: '', members: [3, 2] } },
    { model: 'users.userlog', pk: 6, fields: { user: 3, ip: '10.0.0.1', operation: 0, operator: 3, operate_time: '2020-01-01T00:00:00Z' } },
    { model: 'users.blacklist', pk: 7, fields: { patient: 3, join_time: '2021-01-01T00:00:00Z', is_delete: 0, reason: 'x' } },
  ]);

  it('maps roles, state, times, profile (blank optional fields are null), memberships, logs and blacklist', () => {
    expect(bundles.map((b) => [b.user.role, b.user.state])).toEqual([
      ['superadmin', 1],
      ['admin', 0],
      ['user', 1],
    ]);
    const patient = bundles[2];
    expect(patient.user).toEqual(
      expect.objectContaining({
        id000: '3',
        email: 'p3@example.com',
        phoneNumber: null,
        identifyId: null,
        name: '张三',
        occupationSourceId: '4',
      }),
    );
    expect(patient.groups).toEqual(['5']);
    expect(patient.logs).toEqual([expect.objectContaining({ id000: '6', operation: 0, operatorSourceId: '3' })]);
    expect(patient.blacklist).toEqual([expect.objectContaining({ id000: '7', isDelete: 0 })]);
    expect(preamble.maxId000).toEqual({ users: '3', groups: '5', user_logs: '6', blacklist: '7' });
    const valid = validateUser(patient.user, '000');
    expect('ok' in valid && valid.ok).toEqual(expect.objectContaining({ createdAt: new Date('2019-03-04T08:30:00Z'), gender: 1, age: 30 }));
  });

  it.each([
    [{ username: 'dr.li' }, 'username'],
    [{ email: '' }, 'email'],
    [{ email: 'not an email' }, 'email'],
    [{ password: 'md5$salt$5f4dcc3b5aa765d61d8327deb882cf99' }, 'password'],
    [{ password: 'sha1$salt$abc' }, 'password'],
    [{ date_joined: 'yesterday' }, 'created_at'],
  ])('rejects %j on %s, with a reason', (fields, field) => {
    const [bundle] = parseExport('000', [djangoUser(8, fields)]).bundles;
    const result = validateUser(bundle.user, '000');
    expect(result).toEqual({ rejected: { source_id: '8', field, reason: expect.any(String) } });
  });

  it("accepts Django's unusable password (it comes in as an account that cannot log in)", () => {
    const [bundle] = parseExport('000', [djangoUser(8, { password: '!Xp2z8yNq3vW7eR4tY6uI1oP0aS5dF9gH2jK3lZ7x' })]).bundles;
    expect('ok' in validateUser(bundle.user, '000')).toBe(true);
  });

  it.each([[{}], [[{ model: 'auth.user', pk: 1e21, fields: {} }]], [[{ model: 'auth.permission', pk: 1, fields: {} }]], [[null]]])(
    'refuses a body that is not a 000 export: %j',
    (body) => {
      expect(() => parseExport('000', body)).toThrow(MalformedExportError);
    },
  );
});

describe('001 and 003 mapping', () => {
  it('001: admins are admins, tel is the phone (blank is null), emails lower-cased, the ObjectId kept and dated', () => {
    const { bundles } = parseExport('001', {
      users: [{ _id: { $oid: '5f1d7c2e9b1e8a3d4c2b1a01' }, username: 'mongouser01', password: '$2a$10$x', tel: '', email: 'A@B.com' }],
      admins: [{ _id: { $oid: '5f1d7c2e9b1e8a3d4c2b1b01' }, username: 'mongoadmin1', password: '$2a$10$x', tel: '139', email: 'c@d.com' }],
    });
    expect(bundles.map((b) => [b.user.id001, b.user.role, b.user.email, b.user.phoneNumber])).toEqual([
      ['5f1d7c2e9b1e8a3d4c2b1a01', 'user', 'a@b.com', null],
      ['5f1d7c2e9b1e8a3d4c2b1b01', 'admin', 'c@d.com', '139'],
    ]);
    expect(bundles[0].user.createdAt).toBe('2020-07-26T12:50:54.000Z');
    expect(() => parseExport('001', { users: [], other: [] })).toThrow(MalformedExportError);
  });

  it('003: the UUID, state and deleted_at are kept; a row without a UUID is rejected on id', () => {
    const row = {
      id: '0B8F3C1E-2D4A-4E6B-9A7C-1D2E3F4A5B01',
      username: 'koauser001',
      email: 'k@e.com',
      password: '$2a$10$x',
      state: 0,
      deleted_at: '2023-03-03T03:03:03.000Z',
    };
    const [bundle] = parseExport('003', [row]).bundles;
    expect(bundle.user).toEqual(
      expect.objectContaining({ id: '0b8f3c1e-2d4a-4e6b-9a7c-1d2e3f4a5b01', state: 0, deletedAt: row.deleted_at }),
    );
    const [bad] = parseExport('003', [{ ...row, id: 7 }]).bundles;
    expect(validateUser(bad.user, '003')).toEqual({ rejected: expect.objectContaining({ field: 'id' }) });
  });
});
