import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Every suite that touches a database runs twice: on embedded PostgreSQL (PGlite) and on a
// PostgreSQL server. Unit tests and the renderers' tests (test/unit, test/publish) touch none and
// run once, in the pglite project.
// Suites that need a PostgreSQL server itself (two connections, or two processes, to one database) run
// only in the postgres project: PGlite has one owner.
const SERVER_ONLY = [
  'test/integration/domain-move-race.test.ts',
  'test/integration/failure-limits-instances.test.ts',
  'test/integration/lambda-bundle.test.ts',
  'test/integration/lambda-instances.test.ts',
  'test/integration/lambda-origin.test.ts',
  'test/integration/lambda-parity.test.ts',
  'test/integration/lambda-worker-wakeup.test.ts',
  'test/integration/secrets-postgres.test.ts',
];

const shared = {
  include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'src/**/*.test.ts'],
  exclude: ['test/e2e/**'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  globalSetup: ['test/support/global-setup.ts'],
};

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
  test: {
    // Test files wait on databases, SMTP peers, servers and timers more than they compute: two files
    // at a time keep both cores of a small machine busy (vitest's own default would run one).
    maxWorkers: Number(process.env.BOSUN_TEST_WORKERS) || Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: { ...shared, name: 'pglite', exclude: [...shared.exclude, ...SERVER_ONLY], env: { BOSUN_TEST_DB: 'pglite' } },
      },
      {
        extends: true,
        test: {
          ...shared,
          name: 'postgres',
          exclude: [...shared.exclude, 'test/unit/**', 'test/publish/**'],
          env: { BOSUN_TEST_DB: 'postgres' },
        },
      },
      // The deployment's templates: no database, no network; synthesized once per file.
      {
        extends: true,
        test: { name: 'infra', include: ['infra/test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
      // Browser tests run once, against the real server on its embedded defaults.
      {
        extends: true,
        test: {
          ...shared,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: [],
          env: { BOSUN_TEST_DB: 'pglite' },
          testTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
