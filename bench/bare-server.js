'use strict';
// The limit the service is measured against: node:http + pg + JWT verification and nothing else,
// doing exactly the queries the service does for GET /api/v1/auth/me, GET /api/v1/users/:id and
// GET /api/v1/users?page=P&limit=L (the per-request session and user-state check included) and
// answering the same JSON.
// Usage: node bench/bare-server.js   (env: PORT, DATABASE_URL, JWT_SECRET, DATABASE_POOL_SIZE)
const http = require('node:http');
const jwt = require('jsonwebtoken');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
// A KeyObject, as the service holds it (jsonwebtoken would otherwise try to parse the string as a PEM key each time).
const secret = require('node:crypto').createSecretKey(Buffer.from(process.env.JWT_SECRET, 'utf8'));
const VERIFY = { algorithms: ['HS256'], issuer: 'user-management-service', audience: 'user-management-api' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The service's per-request check (SessionsService.loadAuthState), run on every request: the bare
// server has no cache, the service answers it from memory while LISTEN/NOTIFY keeps that exact.
const AUTH_SQL = `SELECT u.id, u.username, u.role, s.expires_at
   FROM sessions s
   JOIN users u ON u.id = s.user_id
  WHERE s.id = $1 AND s.user_id = $2
    AND s.revoked_at IS NULL AND s.expires_at > now()
    AND u.state = 1 AND u.deleted_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM black_list b WHERE b.user_id = u.id AND b.is_delete = 0)`;

// The service's user read (UsersService.findById: explicit columns, the occupation joined).
const USER_SQL = `SELECT u.id, u.username, u.email, u.phone_number, u.role, u.state, u.name, u.name_pinyin, u.first_name,
        u.last_name, u.gender, u.age, u.birthday, u.occupation_id, u.identify_id, u.address, u.avatar_url,
        u.language_preference, u.invitation_id, u.created_at, u.updated_at, u.last_login_at, u.deleted_at,
        o.id AS o_id, o.name AS o_name
   FROM users u LEFT JOIN occupations o ON o.id = u.occupation_id
  WHERE u.id = $1 AND u.deleted_at IS NULL`;

// GET /users page P: the service's page (newest first) and its count, from the trigger-kept counters.
const PAGE_SQL = USER_SQL.replace(
  'WHERE u.id = $1 AND u.deleted_at IS NULL',
  'WHERE u.deleted_at IS NULL ORDER BY u.created_at DESC, u.id DESC LIMIT $1 OFFSET $2',
);
const COUNT_SQL = 'SELECT coalesce(sum(n), 0) AS n FROM user_counts WHERE NOT deleted';

async function usersPage(url) {
  const query = new URL(url, 'http://bare').searchParams;
  const page = Number(query.get('page') ?? 1);
  const limit = Number(query.get('limit') ?? 20);
  const [rows, counted] = await Promise.all([
    pool.query({ name: 'page', text: PAGE_SQL, values: [limit, (page - 1) * limit] }),
    pool.query({ name: 'count', text: COUNT_SQL, values: [] }),
  ]);
  const total = Number(counted.rows[0].n);
  return { data: rows.rows.map((row) => userJson(row, true)), count: total, total, page, limit };
}

function userJson(row, full) {
  const user = {
    id: row.id,
    username: row.username,
    email: row.email,
    phone_number: row.phone_number,
    role: row.role,
    state: row.state,
    profile: {
      name: row.name,
      name_pinyin: row.name_pinyin,
      first_name: row.first_name,
      last_name: row.last_name,
      gender: row.gender,
      age: row.age,
      birthday: row.birthday,
      occupation: row.o_id ? { id: row.o_id, name: row.o_name } : null,
      identify_id: row.identify_id,
      address: row.address,
      avatar_url: row.avatar_url,
      language_preference: row.language_preference,
    },
  };
  if (full) {
    user.created_at = row.created_at.toISOString();
    user.updated_at = row.updated_at.toISOString();
    user.last_login_at = row.last_login_at?.toISOString() ?? null;
    user.deleted_at = row.deleted_at?.toISOString() ?? null;
  }
  return user;
}

function send(res, status, data, message = 'success', errorCode = 0) {
  const body = JSON.stringify({ data, message, errorCode, status });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function authenticate(req) {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return null;
  let payload;
  try {
    payload = jwt.verify(header.slice(7), secret, VERIFY);
  } catch {
    return null;
  }
  if (payload.typ !== 'access' || !UUID.test(payload.sub) || !UUID.test(payload.sid)) return null;
  const { rows } = await pool.query(AUTH_SQL, [payload.sid, payload.sub]);
  return rows[0] ?? null;
}

const server = http.createServer(async (req, res) => {
  try {
    const actor = await authenticate(req);
    if (!actor) return send(res, 401, null, 'Missing, invalid, expired or revoked token', 40101);
    if (req.url.startsWith('/api/v1/users?')) {
      if (actor.role === 'user') return send(res, 403, null, 'Your role does not allow this', 40301);
      return send(res, 200, await usersPage(req.url));
    }
    let id;
    if (req.url === '/api/v1/auth/me') id = actor.id;
    else if (req.url.startsWith('/api/v1/users/')) {
      id = req.url.slice('/api/v1/users/'.length);
      if (!UUID.test(id)) return send(res, 400, null, 'Validation failed', 40001);
      if (actor.id !== id && actor.role === 'user') return send(res, 403, null, 'Your role does not allow this', 40301);
    } else return send(res, 404, null, 'Not found', 40401);
    const { rows } = await pool.query(USER_SQL, [id]);
    if (!rows[0]) return send(res, 404, null, 'Not found', 40401);
    send(res, 200, userJson(rows[0], actor.id === id || actor.role === 'superadmin'));
  } catch {
    send(res, 500, null, 'Internal server error', 50001);
  }
});

server.listen(Number(process.env.PORT ?? 3999), '127.0.0.1', () => process.stdout.write('ready\n'));
process.once('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
