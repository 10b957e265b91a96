import { randomBytes } from 'node:crypto';
import { HttpClient } from './http';
import { SUPERADMIN } from './service';

export type Role = 'user' | 'admin' | 'superadmin';

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
  role: Role;
  token: string;
  refreshToken: string;
}

/** A username of letters and digits (6..22), unique across the run. */
export function uniqueUsername(prefix = 'u'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`.slice(0, 22);
}

export function newAccount(
  overrides: Record<string, unknown> = {},
): { username: string; email: string; password: string } & Record<string, unknown> {
  const username = uniqueUsername();
  return { username, email: `${username}@example.com`, password: 'pa55word!', ...overrides };
}

export async function login(
  http: HttpClient,
  identifier: { username?: string; email?: string },
  password: string,
): Promise<{ token: string; refreshToken: string; body: any }> {
  const response = await http.post('/api/v1/auth/login', { ...identifier, password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return { token: response.body.data.access_token, refreshToken: response.body.data.refresh_token, body: response.body };
}

/** Registers a user through the public route and signs them in. */
export async function registerUser(http: HttpClient, overrides: Record<string, unknown> = {}): Promise<TestUser> {
  const account = newAccount(overrides);
  const response = await http.post('/api/v1/auth/register', account);
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  const { token, refreshToken } = await login(http, { username: account.username }, account.password);
  return {
    id: response.body.data.id,
    username: account.username,
    email: account.email,
    password: account.password,
    role: 'user',
    token,
    refreshToken,
  };
}

export async function signInSuperadmin(http: HttpClient): Promise<TestUser> {
  const { token, refreshToken, body } = await login(http, { username: SUPERADMIN.username }, SUPERADMIN.password);
  return {
    id: body.data.user.id,
    username: SUPERADMIN.username,
    email: SUPERADMIN.email,
    password: SUPERADMIN.password,
    role: 'superadmin',
    token,
    refreshToken,
  };
}

/** Creates an account of the given role through POST /users (as the superadmin) and signs it in. */
export async function createUserWithRole(
  http: HttpClient,
  role: Role,
  superadminToken: string,
  overrides: Record<string, unknown> = {},
): Promise<TestUser> {
  const account = newAccount(overrides);
  const response = await http.post('/api/v1/users', { ...account, role }, { token: superadminToken });
  if (response.status !== 201) throw new Error(`create ${role} failed: ${response.status} ${response.text}`);
  const { token, refreshToken } = await login(http, { username: account.username }, account.password);
  return {
    id: response.body.data.id,
    username: account.username,
    email: account.email,
    password: account.password,
    role,
    token,
    refreshToken,
  };
}

/** One signed-in account per role. */
export async function signInRoles(http: HttpClient): Promise<Record<Role, TestUser>> {
  const superadmin = await signInSuperadmin(http);
  const [admin, user] = await Promise.all([createUserWithRole(http, 'admin', superadmin.token), registerUser(http)]);
  return { superadmin, admin, user };
}
