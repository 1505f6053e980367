/**
 * `servesOnly` (the command lines that run `serve`: the other commands' modules are then not loaded) and
 * `plainStdioServe` (the lines started without commander), checked against the real `serve` command.
 */
import { Command } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainStdioServe, servesOnly } from '../../src/cli/argv.js';
import { addServeCommand, type ServeCommandOptions } from '../../src/cli/program.js';

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

/** What the real `serve` command hands its action for these arguments (undefined: commander refused them). */
async function viaCommander(args: string[]): Promise<ServeCommandOptions | undefined> {
  const program = new Command().exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  let got: ServeCommandOptions | undefined;
  addServeCommand(program, async (opts) => {
    got = opts;
  }).exitOverride();
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch {
    return undefined;
  }
  return got;
}

describe('plainStdioServe', () => {
  it('takes the plain stdio lines an MCP client spawns', () => {
    expect(plainStdioServe([])).toEqual({ readOnly: false });
    expect(plainStdioServe(['serve'])).toEqual({ readOnly: false });
    expect(plainStdioServe(['serve', '--config', '/a/tenants.json', '--read-only'])).toEqual({ config: '/a/tenants.json', readOnly: true });
    expect(plainStdioServe(['--tenant=acme', '--config=t.json'])).toEqual({ config: 't.json', tenant: 'acme', readOnly: false });
  });

  it('leaves everything else to commander: other commands and options, help, repeats, missing or dash values', () => {
    for (const args of [['--http'], ['serve', '--port', '3000'], ['--help'], ['serve', '-h'], ['--version'], ['tenants', 'list'], ['--config'], ['--config', ''], ['--config', '--read-only'], ['--config', 'a', '--config', 'b'], ['--read-only', '--read-only'], ['--read-only=yes'], ['--health-every', '5m'], ['serve', 'serve'], ['--no-dashboard'], ['--', '--config', 'x']]) {
      expect(plainStdioServe(args), args.join(' ')).toBeUndefined();
    }
  });

  it('accepts only what the real serve command accepts, with the same options', async () => {
    const token = fc.constantFrom('serve', '--config', '--tenant', '--read-only', '--config=t.json', '--tenant=acme', '--read-only=1', 't.json', 'acme', '-x', '--http', '--port', '3000', '');
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 6 }), async (args) => {
        const plain = plainStdioServe(args);
        if (plain === undefined) return;
        const real = await viaCommander(args);
        expect(real, args.join(' ')).toBeDefined();
        expect({ config: real!.config, tenant: real!.tenant, readOnly: real!.readOnly }, args.join(' ')).toEqual({ config: plain.config, tenant: plain.tenant, readOnly: plain.readOnly });
        expect(real!.http).toBe(false);
        expect([real!.port, real!.host, real!.healthEvery]).toEqual([undefined, undefined, undefined]);
        expect(real!.dashboard).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
