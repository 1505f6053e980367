#!/usr/bin/env node
/**
 * The `espocrm-admin-mcp` command. `serve` (the default) speaks MCP over stdio, so nothing here may
 * write to stdout on that path: logs go to stderr.
 *
 * What an MCP client spawns (`serve` over stdio, with --config, --tenant or --read-only at most) is
 * started without loading commander and the other commands: a shorter start for every conversation.
 * Every other command line, help included, goes through commander (`cli/program.ts`).
 */
import module from 'node:module';
import { plainStdioServe } from './cli/argv.js';

// Node 22.1+ caches compiled code between runs (faster start for every MCP client spawn); no-op on 20.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

async function main(argv: string[]): Promise<void> {
  const plain = plainStdioServe(argv.slice(2));
  if (plain !== undefined) {
    const { runServe } = await import('./cli/serve.js');
    await runServe(plain);
    return;
  }
  const { runProgram } = await import('./cli/program.js');
  await runProgram(argv);
}

main(process.argv).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`espocrm-admin-mcp: ${message}\n`);
  process.exit(1);
});
