import { defineConfig } from 'vitest/config';

/**
 * The test files that pin the security cores, for `npm run test:mutation` (stryker.config.mjs): each
 * mutated module's own unit tests, nothing else, so a mutant run stays fast. Listed here rather than
 * with Stryker's `testFiles`, which in StrykerJS 9.6 activates static mutants (module-level constants
 * and regular expressions) too late and reports them as survived.
 */
export default defineConfig({
  test: {
    include: ['test/core/confirm.test.ts', 'test/core/fence.test.ts', 'test/tenants/policy.test.ts', 'test/core/layout/validate.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
