import type { ListUsersQuery } from '../../src/users/dto/list-users.query';
import { shortUsernameFragment, usernameFragments } from '../../src/users/username-fragment';

const query = (fields: Record<string, unknown>): ListUsersQuery =>
  ({ page: 1, limit: 10, offset: 0, ...fields }) as unknown as ListUsersQuery;

describe('username fragments of a list query', () => {
  it('collects username_container and its aliases, ignoring empty ones', () => {
    expect(usernameFragments(query({ username_container: 'ab', username__container: '', username_contains: 'Cd' }))).toEqual(['ab', 'Cd']);
    expect(usernameFragments(query({}))).toEqual([]);
  });

  it.each([
    [{ username_container: 'AbC' }, 'abc'],
    [{ username_container: 'a' }, 'a'],
    [{ username_container: 'q_%' }, 'q_%'],
    [{ username_container: 'ab', username_contains: 'AB' }, 'ab'],
    [{ username_container: 'abc', name: '' }, 'abc'],
  ])('%p is served by the fragment counters as %p', (fields, expected) => {
    expect(shortUsernameFragment(query(fields))).toBe(expected);
  });

  it.each([
    [{ username_container: 'abcd' }],
    [{ username_container: 'ab', username_contains: 'cd' }],
    [{ username_container: 'abc', role: 'user' }],
    [{ username_container: 'abc', name: 'li' }],
    [{ username_container: 'abc', username: 'abcdef' }],
    [{ username_container: 'éa' }],
    [{}],
  ])('%p is counted row by row', (fields) => {
    expect(shortUsernameFragment(query(fields))).toBeNull();
  });
});
