/** `servesOnly`: the command lines that run `serve` (the other commands' modules are then not loaded). */
import { describe, expect, it } from 'vitest';
import { servesOnly } from '../../src/cli/argv.js';

describe('servesOnly', () => {
  it('is true for serve, named or by default with its options', () => {
    for (const args of [[], ['serve'], ['--config', 'x.json'], ['--config', 'tenants', '--read-only'], ['--http', '--port', '3000'], ['serve', '--tenant', 'drift'], ['--tenant', 'blueprint'], ['--version']]) {
      expect(servesOnly(args), args.join(' ')).toBe(true);
    }
  });

  it('is false for any other command and for help', () => {
    for (const args of [['tenants', 'list'], ['dashboard'], ['audit', 'export'], ['drift', 'x'], ['--help'], ['serve', '--help'], ['-h'], ['help'], ['--config', 'x.json', 'tenants']]) {
      expect(servesOnly(args), args.join(' ')).toBe(false);
    }
  });
});
