/**
 * Three tiers: unit tests for pure logic; medium specs that build the app's Nest context in-process
 * (no build, no HTTP) and call services with their real repositories against a real PostgreSQL
 * (test/support/medium.ts); and e2e specs that start the built service (dist/) as a child process
 * and talk to it over HTTP, the contract.
 */
const transform = {
  '^.+\\.(t|j)s$': [
    '@swc/jest',
    {
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      },
      module: { type: 'commonjs' },
    },
  ],
};
// NestJS 12 ships as ES modules; jest's own module loader needs them compiled to CommonJS.
const transformIgnorePatterns = ['/node_modules/(?!(@nestjs|uid|pinyin-pro)/)'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.spec.ts'],
      setupFiles: ['reflect-metadata'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
    },
    {
      displayName: 'medium',
      testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'],
      setupFiles: ['reflect-metadata'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      transform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 30,
    },
    {
      // Many processes on one database: HAProxy in front of three instances, a rolling restart, a streaming
      // replica. Needs Debian's haproxy and PostgreSQL's server binaries (.ci/run installs them); not in `npm test`.
      displayName: 'scale',
      testMatch: ['<rootDir>/test/scale/**/*.scale-spec.ts'],
      transform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      displayName: 'fuzz',
      testMatch: ['<rootDir>/test/fuzz/**/*.fuzz-spec.ts'],
      transform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      transform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  // Two spec files at a time: an e2e file mostly waits on its own service process and database, so on a
  // 2-core machine two files in parallel finish the suite sooner than jest's default (cores - 1 = 1 worker).
  maxWorkers: 2,
  testTimeout: 60000,
};
