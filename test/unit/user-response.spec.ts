import { User } from '../../src/users/user.entity';
import { sourceIdsOf, UserResponse, visibilityFor } from '../../src/users/user.response';

function user(overrides: Partial<User> = {}): User {
  return Object.assign(new User(), {
    id: 'u1',
    id000: '42',
    id001: '5f1d7c2e9b1e8a0012345678',
    source: null,
    username: 'alice2024',
    email: 'alice@example.com',
    phoneNumber: '+861234567',
    passwordHash: '$argon2id$v=19$secret',
    nameSearch: 'internal',
    role: 'user',
    state: 1,
    name: '张三',
    namePinyin: 'zhang san',
    firstName: null,
    lastName: null,
    gender: 1,
    age: 30,
    birthday: '1990-01-01',
    occupationId: 'o1',
    occupation: { id: 'o1', name: 'Engineer', createdAt: new Date(), updatedAt: new Date() },
    identifyId: '100000190001010001',
    address: 'Road 1',
    avatarUrl: null,
    languagePreference: 'zh-CN',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-02T00:00:00Z'),
    lastLoginAt: null,
    deletedAt: null,
    ...overrides,
  });
}

describe('visibilityFor (who sees which user fields)', () => {
  it.each([
    [{ id: 'u1', role: 'user' as const }, 'full'],
    [{ id: 'x', role: 'superadmin' as const }, 'full'],
    [{ id: 'x', role: 'admin' as const }, 'staff'],
    [{ id: 'x', role: 'user' as const }, 'public'],
    [null, 'public'],
  ])('%o sees %s', (viewer, expected) => {
    expect(visibilityFor(viewer, { id: 'u1' })).toBe(expected);
  });
});

const SELF = { id: 'u1', role: 'user' as const };
const ADMIN = { id: 'x', role: 'admin' as const };
const MEMBER = { id: 'x', role: 'user' as const };

describe('UserResponse.from (the viewer decides the fields)', () => {
  it('never copies the password hash or internal columns', () => {
    for (const viewer of [SELF, ADMIN, MEMBER, null]) {
      const text = JSON.stringify(UserResponse.from(user(), viewer));
      expect(text).not.toContain('argon2');
      expect(text).not.toContain('internal');
    }
  });

  it('gives the user themself every field of API.md', () => {
    const response = UserResponse.from(user(), SELF);
    expect(Object.keys(response).sort()).toEqual(
      [
        'created_at',
        'deleted_at',
        'email',
        'email_verified_at',
        'id',
        'last_login_at',
        'pending_email',
        'phone_number',
        'profile',
        'role',
        'source_ids',
        'state',
        'updated_at',
        'username',
      ].sort(),
    );
    expect(response.profile.occupation).toEqual({ id: 'o1', name: 'Engineer' });
    expect(Object.keys(response.profile).sort()).toEqual(
      [
        'address',
        'age',
        'avatar_url',
        'birthday',
        'first_name',
        'gender',
        'identify_id',
        'language_preference',
        'last_name',
        'name',
        'name_pinyin',
        'occupation',
      ].sort(),
    );
  });

  it('gives an admin everything but the time fields', () => {
    const response = UserResponse.from(user(), ADMIN);
    for (const field of ['created_at', 'updated_at', 'last_login_at', 'deleted_at']) expect(response).not.toHaveProperty(field);
    expect(response.email).toBe('alice@example.com');
    // Verification state is for the owner and staff (issue 13): staff help users who cannot confirm an address.
    expect(response).toHaveProperty('email_verified_at');
    expect(response).toHaveProperty('pending_email');
  });

  it('gives a fellow member the public card only: id, username, source ids, name and avatar', () => {
    const response = UserResponse.from(user(), MEMBER);
    expect({ ...response }).toEqual({
      id: 'u1',
      username: 'alice2024',
      source_ids: {},
      profile: { name: '张三', name_pinyin: 'zhang san', avatar_url: null },
    });
  });
});

describe('source_ids (the ids a user had in the system it was imported from)', () => {
  it.each([
    [null, {}],
    ['000', { '000': 42 }],
    ['001', { '001': '5f1d7c2e9b1e8a0012345678' }],
    ['003', { '003': 'u1' }],
  ])('a user from %s shows %o, as a JSON number for 000', (source, expected) => {
    expect(sourceIdsOf(user({ source }))).toEqual(expected);
    expect(JSON.parse(JSON.stringify(UserResponse.from(user({ source }), SELF))).source_ids).toEqual(expected);
  });

  it('is shown to every viewer who may see the user, the public card included (it is not a time field)', () => {
    for (const viewer of [SELF, ADMIN, MEMBER, null])
      expect(UserResponse.from(user({ source: '000' }), viewer).source_ids).toEqual({ '000': 42 });
  });
});
