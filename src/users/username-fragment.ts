import type { ListUsersQuery } from './dto/list-users.query';

/** The username_container values (and their aliases) of a list query. */
export function usernameFragments(query: ListUsersQuery): string[] {
  return [query.username_container, query.username__container, query.username_contains].filter(
    (value): value is string => value !== undefined && value !== '',
  );
}

const LIST_FILTERS = ['username', 'name', 'email', 'role', 'state', 'occupation', 'group'] as const;

/** The lower-cased username fragment when it is the query's only filter and 1 to 3 printable ASCII characters, else null. */
export function shortUsernameFragment(query: ListUsersQuery): string | null {
  const fragments = [...new Set(usernameFragments(query).map((text) => text.toLowerCase()))];
  if (fragments.length !== 1 || LIST_FILTERS.some((key) => query[key] !== undefined && query[key] !== '')) return null;
  return /^[\x20-\x7e]{1,3}$/.test(fragments[0]) ? fragments[0] : null;
}
