import { readdirSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Three tiers, one vitest project each (`npm run test:unit`, `test:integration`, `test:e2e`; `npm test`
 * builds and runs all three):
 * - unit: pure and in-process; no sandbox CRM, no socket, no child process, no OS keychain.
 * - e2e: spawns processes (the built `dist/cli.js`, an audit-writer child) or packs the package;
 *   needs `npm run build` first.
 * - integration: every other test file (sandbox CRMs over loopback HTTP, the server in-process or over
 *   HTTP, an MCP client, the OS keychain). A new test file lands here unless listed below.
 * Entries ending in `/` are folders (every test file under them), the others single files.
 */
const unit = [
  'test/audit/',
  'test/cli/add-file.test.ts',
  'test/cli/argv.test.ts',
  'test/cli/tenants.test.ts',
  'test/config/',
  'test/core/',
  'test/dashboard/charts.test.ts',
  'test/dashboard/data.test.ts',
  'test/dashboard/html.test.ts',
  'test/dashboard/session.test.ts',
  'test/dashboard/views.test.ts',
  'test/espo/errors.test.ts',
  'test/espo/hmac.test.ts',
  'test/espo/query.test.ts',
  'test/espo/url.test.ts',
  'test/http/guards.test.ts',
  'test/lint/',
  'test/reliability/samples.test.ts',
  'test/sandbox/generator/',
  'test/sandbox/records/',
  'test/sandbox/versions.test.ts',
  'test/secrets/read-input.test.ts',
  'test/secrets/refs.test.ts',
  'test/secrets/resolve.test.ts',
  'test/tenants/',
];

const e2e = [
  'test/cli/check.test.ts',
  'test/cli/drift.test.ts',
  'test/cli/provision.test.ts',
  'test/cli/rotate.test.ts',
  'test/cli/start-path.test.ts',
  'test/cli/usage.test.ts',
  'test/dashboard/browser.test.ts',
  'test/dashboard/cli.test.ts',
  'test/e2e/',
  'test/packaging/',
  'test/reliability/audit.test.ts',
  'test/reliability/canary.test.ts',
  'test/sandbox/cli-version.test.ts',
  'test/tools/manifest.test.ts',
];

/**
 * Tests that measure latency under load: run alone, after the others (`npm test` runs this project
 * last), so the other test files running in parallel are not what they measure.
 */
const quiet = ['test/e2e/replicas.test.ts'];

const TEST_FILE = /\.test\.ts$/;
const globs = (tier: string[]) => tier.map((entry) => (entry.endsWith('/') ? `${entry}**/*.test.ts` : entry));
const inTier = (tier: string[], file: string) => tier.some((entry) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry));
// The integration tier as a list of files, not `test/**` with an `exclude`: vitest does not apply the
// command line's `--exclude` (which .ci/run uses) to a project that sets its own `exclude`.
const allFiles = readdirSync(path.join(import.meta.dirname, 'test'), { recursive: true, encoding: 'utf8' })
  .map((file) => `test/${file.split(path.sep).join('/')}`)
  .filter((file) => TEST_FILE.test(file) && !quiet.includes(file))
  .sort();
const integration = allFiles.filter((file) => !inTier(unit, file) && !inTier(e2e, file));
const e2eFiles = allFiles.filter((file) => inTier(e2e, file));

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: globs(unit) } },
      { extends: true, test: { name: 'integration', include: integration } },
      { extends: true, test: { name: 'e2e', include: e2eFiles } },
      { extends: true, test: { name: 'quiet', include: quiet } },
    ],
  },
});
