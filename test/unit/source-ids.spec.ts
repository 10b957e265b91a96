import type { AuditLogResponse } from '../../src/audit-log/audit-log.response';
import type { BlacklistEntryResponse } from '../../src/blacklist/blacklist-entry.response';
import { AppException } from '../../src/common/errors/app.exception';
import { ErrorCode } from '../../src/common/errors/error-codes';
import { User } from '../../src/users/user.entity';
import { UserResponse } from '../../src/users/user.response';
import { AUDIT_LOG_000, BLACKLIST_ENTRY_000, USER_000, user003, userListItem001 } from '../../src/legacy/legacy-shapes';
import { Ids000, parseId000 } from '../../src/legacy/source-ids';

describe('parseId000 (what the 000 API takes as an id)', () => {
  it.each([
    ['17', '17'],
    ['0017', '17'],
    [17, '17'],
    ['9223372036854775807', '9223372036854775807'],
  ])('%p names the record %p', (raw, expected) => {
    expect(parseId000(raw, 'id')).toBe(expected);
  });

  it.each([['0'], ['9223372036854775808'], ['99999999999999999999']])('%p is an integer no record has (null)', (raw) => {
    expect(parseId000(raw, 'id')).toBeNull();
  });

  it.each([
    ['abc'],
    ['-1'],
    ['1.5'],
    ['0x10'],
    [''],
    ['1'.repeat(41)],
    ['3f2a1c9e-0000-4000-8000-000000000000'],
    [null],
    [1.5],
    [-3],
    [true],
  ])('%p is not an id: 40001 naming the field', (raw) => {
    expect(() => parseId000(raw, 'profile.occupation')).toThrow(AppException);
    try {
      parseId000(raw, 'profile.occupation');
    } catch (error) {
      expect((error as AppException).code).toBe(ErrorCode.VALIDATION_FAILED);
      expect(JSON.stringify((error as AppException).options.data)).toContain('profile.occupation');
    }
  });
});

const maps = {
  user: new Map([
    ['u1', 17],
    ['u2', 2],
  ]),
  group: new Map(),
  occupation: new Map([['o1', 34]]),
  'user-log': new Map([['l1', 5]]),
  blacklist: new Map([['b1', 9]]),
};
const ids = new Ids000(maps);

function user(): User {
  return Object.assign(new User(), {
    id: 'u1',
    id000: '17',
    id001: '5f1d7c2e9b1e8a0012345678',
    source: '000',
    username: 'alice2024',
    email: 'alice@example.com',
    phoneNumber: '18888888888',
    role: 'user',
    state: 1,
    name: null,
    namePinyin: null,
    firstName: null,
    lastName: null,
    gender: null,
    age: null,
    birthday: null,
    occupationId: 'o1',
    occupation: { id: 'o1', name: 'Software Developer', code: 34, createdAt: new Date(), updatedAt: new Date() },
    identifyId: null,
    address: null,
    avatarUrl: null,
    languagePreference: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    lastLoginAt: null,
    deletedAt: null,
  });
}

describe('the source APIs show their own ids', () => {
  it('000: the user by integer, the occupation by code, the phone under its 000 name, no source_ids', () => {
    const shown = USER_000.shape(UserResponse.from(user(), { id: 'u1', role: 'user' }), ids);
    expect(shown).toEqual(expect.objectContaining({ id: 17, username: 'alice2024' }));
    expect(shown.profile).toEqual(expect.objectContaining({ occupation: { id: 34, name: 'Software Developer' }, phone: '18888888888' }));
    expect(shown).not.toHaveProperty('source_ids');
  });

  it('000: the public card by integer too', () => {
    const shown = USER_000.shape(UserResponse.from(user(), { id: 'x', role: 'user' }), ids);
    expect(shown).toEqual({ id: 17, username: 'alice2024', profile: { name: null, name_pinyin: null, avatar_url: null } });
  });

  it('000: blacklist entries and user logs with integers for every id, null kept', () => {
    const entry: BlacklistEntryResponse = {
      id: 'b1',
      user: 'u1',
      reason: 'no-show',
      join_time: '2026-01-01T00:00:00.000Z',
      is_delete: 1,
      operator: 'u2',
      removed_at: '2026-01-02T00:00:00.000Z',
      removed_by: null,
    };
    expect(BLACKLIST_ENTRY_000.shape(entry, ids)).toEqual({
      id: 9,
      patient: 17,
      join_time: entry.join_time,
      is_delete: 1,
      reason: 'no-show',
      operator: 2,
      removed_at: entry.removed_at,
      removed_by: null,
    });
    expect(BLACKLIST_ENTRY_000.refs(entry)).toEqual({ blacklist: ['b1'], user: ['u1', 'u2', null] });
    const record = { id: 'l1', user: 'u1', operator: null, operation: 0, details: null } as unknown as AuditLogResponse;
    expect(AUDIT_LOG_000.shape(record, ids)).toEqual(expect.objectContaining({ id: 5, user: 17, operator: null, operation: 0 }));
    const entryId = '3f2a1c9e-0000-4000-8000-000000000001';
    const withEntry = { ...record, details: { entry_id: entryId, reason: 'x' } } as AuditLogResponse;
    const known = new Ids000({ ...maps, blacklist: new Map([[entryId, 9]]) });
    expect(AUDIT_LOG_000.refs(withEntry).blacklist).toEqual([entryId]);
    expect(AUDIT_LOG_000.shape(withEntry, known).details).toEqual({ entry_id: 9, reason: 'x' });
    // Not a UUID, or not found: left as it is, never a failure.
    expect(AUDIT_LOG_000.refs({ ...record, details: { entry_id: 'x' } } as AuditLogResponse).blacklist).toEqual([null]);
    expect(AUDIT_LOG_000.shape(withEntry, ids).details).toEqual({ entry_id: entryId, reason: 'x' });
  });

  it('000: a record the answer did not collect is a programming error, not a wrong id', () => {
    expect(() => ids.of('group', 'g1')).toThrow(/no 000 id collected/);
  });

  it('001: user_id is the ObjectId; 003: the UUID, no source_ids', () => {
    const response = UserResponse.from(user(), { id: 'u1', role: 'user' });
    expect(userListItem001(response, new Map([['u1', '5f1d7c2e9b1e8a0012345678']])).user_id).toBe('5f1d7c2e9b1e8a0012345678');
    const flat = user003(response);
    expect(flat.id).toBe('u1');
    expect(flat).not.toHaveProperty('source_ids');
  });
});
