# syntax=docker/dockerfile:1

# Build: the full toolchain, compiled to dist/.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
COPY migrations ./migrations
COPY scripts/build.js scripts/bundle.js scripts/production-command.js ./scripts/
# tsc, then one esbuild bundle with a V8 code cache (scripts/bundle.js): most of the time to ready.
RUN npm run build

# Production dependencies only: no dev tools, no embedded PostgreSQL (production needs DATABASE_URL).
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prune-production.sh ./scripts/
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund \
 && sh scripts/prune-production.sh node_modules \
 && npm cache clean --force

FROM node:22-bookworm-slim
# MALLOC_*: glibc's malloc hands freed memory back to the system instead of raising its thresholds after
# start-up's large allocations (35-50 MiB less RSS; README, Memory). GLIBC_TUNABLES: malloc asks for
# transparent huge pages, so each argon2id hash's 19 MiB is mapped in a few faults instead of ~4,900
# (without it those thresholds cut logins to a third on this project's machine). Keep them in step with
# start:prod (test/unit/production-env.spec.ts).
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    MIGRATIONS_RUN=true \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
# The code stays owned by root: the service user can read it, not change it (so the start-up code
# cache is the build's; see src/load-bundle.ts).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The built-in mail templates (MAIL_TEMPLATES_DIR replaces them file by file).
COPY templates ./templates
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations run inside the service at start (MIGRATIONS_RUN=false turns that off); then it serves.
# --max-semi-space-size=8: V8's young generation at most 2 x 8 MiB instead of 2 x 16; --heap-growing-percent=20:
# the old generation is collected once it grew by 20% over what the last collection kept, instead of up to 4x
# (README, Memory). The same as package.json's start:prod.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=20", "dist/main.js"]
