import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three tiers, one vitest project each (`npm run test:unit`, `test:integration`, `test:e2e`; `npm test`
 * builds and runs all three):
 * - unit: pure and in-process; no sandbox CRM, no socket, no child process, no OS keychain.
 * - e2e: spawns processes (the built `dist/cli.js`, an audit-writer child) or packs the package;
 *   needs `npm run build` first.
 * - integration: everything else (sandbox CRMs over loopback HTTP, the server in-process or over HTTP,
 *   an MCP client, the OS keychain). A new test file lands here unless it is listed below.
 */
const unit = [
  'test/cli-add-file.test.ts',
  'test/cli-tenants.test.ts',
  'test/config/**/*.test.ts',
  'test/core/**/*.test.ts',
  'test/espo/errors.test.ts',
  'test/espo/hmac.test.ts',
  'test/espo/query.test.ts',
  'test/espo/url.test.ts',
  'test/http/config.test.ts',
  'test/http/guards.test.ts',
  'test/lint/**/*.test.ts',
  'test/reliability/samples.test.ts',
  'test/sandbox/generator.test.ts',
  'test/sandbox/records.test.ts',
  'test/sandbox/records.where.property.test.ts',
  'test/secrets/read-input.test.ts',
  'test/secrets/refs.test.ts',
  'test/secrets/resolve.test.ts',
];

const e2e = [
  'test/e2e/**/*.test.ts',
  'test/packaging/**/*.test.ts',
  'test/http/cli.test.ts',
  'test/sandbox/cli-version.test.ts',
  'test/reliability/audit.test.ts',
  'test/reliability/canary.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...unit, ...e2e] },
      },
      { extends: true, test: { name: 'e2e', include: e2e } },
    ],
  },
});
