// @ts-check
/**
 * Mutation testing of the modules that guard every write (issue 17, "Tests that pin the security
 * cores"): `npm run test:mutation`. Not part of `npm test`. Each module is pinned by its own unit test
 * files only (listed in vitest.mutation.config.ts), run through vitest with per-test coverage, so a
 * mutant runs just the tests that reach it (a static mutant, evaluated at import, runs them all).
 * Scores, and why each surviving mutant is left: docs/reliability.md, "Mutation testing of the
 * security cores". The HTML report lands in reports/mutation/.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // The test files: vitest.mutation.config.ts (each module's own unit tests); `related` off, they are all listed there.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: ['src/core/confirm.ts', 'src/core/fence.ts', 'src/tenants/policy.ts', 'src/core/layout/validate.ts'],
  coverageAnalysis: 'perTest',
  // What the sandbox copy of the repo can do without.
  ignorePatterns: ['dist', 'bench', 'docs', 'reports', 'coverage', '.cache', '*.tgz'],
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 20_000,
};
