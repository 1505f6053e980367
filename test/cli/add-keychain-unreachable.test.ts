import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { expect, it } from 'vitest';
import { registerTenantsCommands } from '../../src/cli/tenants.js';

// A file of its own: once the keyring module has failed to reach a Secret Service, it keeps failing in
// that process, which would break the real-keychain tests of test/cli/add.test.ts.
it.runIf(process.platform === 'linux')('tenants add: when the OS keychain is unreachable, says what to do instead and writes nothing', async () => {
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
  // Without a session bus the Secret Service is unreachable, as on a headless server.
  delete process.env.DBUS_SESSION_BUS_ADDRESS;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'espo-add-'));
    let stderr = '';
    const err = new PassThrough();
    err.on('data', (c: Buffer) => (stderr += c.toString()));
    let exitCode: number | undefined;
    const program = new Command().exitOverride();
    registerTenantsCommands(program, {
      check: async () => 0,
      stdin: Readable.from([]),
      stdout: new PassThrough(),
      stderr: err,
      env: { K: 'api-key-that-must-not-be-shown' },
      cwd: dir,
      setExitCode: (code) => (exitCode = code),
    });
    await program.parseAsync(['tenants', 'add', 'acme', '--url', 'https://crm.acme.example', '--api-key-env', 'K', '--no-check'], { from: 'user' });
    expect(exitCode).toBe(1);
    expect(stderr).toContain('no OS keychain reachable');
    // Both other stores, as the flags to rerun with.
    expect(stderr).toContain(`Rerun the same command with --secrets file:./secrets to keep them in 0600 files in ${join(dir, 'secrets')}`);
    expect(stderr).toContain('or --secrets env to write env: references instead (then set K where the server runs)');
    expect(stderr).toContain('Nothing was stored');
    expect(existsSync(join(dir, 'secrets'))).toBe(false);
    expect(stderr).not.toContain('api-key-that-must-not-be-shown');
    expect(existsSync(join(dir, 'tenants.json'))).toBe(false);
  } finally {
    if (saved !== undefined) process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  }
});
