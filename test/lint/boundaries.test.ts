/**
 * The import boundaries of src/ (eslint/boundaries.js) with the repo's own ESLint config: each forbidden
 * import is reported, the allowed ones are not, and the tree as it is lints clean of boundary errors.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'boundaries/imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('src/core imports nothing else of src/', async () => {
    expect(await boundaryErrors('src/core/probe.ts', "import { ToolError } from '../errors.js';\nexport const x = ToolError;\n")).toEqual([
      expect.stringMatching(/src\/core may not import src\/errors .*pure/),
    ]);
    expect(await boundaryErrors('src/core/probe.ts', "import type { ToolContext } from '../tools/define.js';\nexport type X = ToolContext;\n")).toHaveLength(1);
    expect(await boundaryErrors('src/core/layout/probe.ts', "import { EspoClient } from '../../espo/client.js';\nexport const x = EspoClient;\n")).toHaveLength(1);
    // The same relative path from one level down stays inside core: allowed.
    expect(await boundaryErrors('src/core/layout/probe.ts', "import { CoreError } from '../errors.js';\nexport const x = CoreError;\n")).toEqual([]);
  });

  it('src/sandbox imports nothing outside itself', async () => {
    expect(await boundaryErrors('src/sandbox/probe.ts', "import { isRecord } from '../core/values.js';\nexport const x = isRecord;\n")).toHaveLength(1);
    expect(await boundaryErrors('src/sandbox/records/probe.ts', "import { newId } from '../ids.js';\nexport const x = newId;\n")).toEqual([]);
  });

  it('resources and prompts import no tool and nothing that writes', async () => {
    expect(await boundaryErrors('src/resources/probe.ts', "import { tenantArg } from '../tools/args.js';\nexport const x = tenantArg;\n")).toEqual([
      expect.stringMatching(/src\/resources may not import src\/tools/),
    ]);
    expect(await boundaryErrors('src/prompts/probe.ts', "import { runWriteTool } from '../pipeline/run.js';\nexport const x = runWriteTool;\n")).toHaveLength(1);
    expect(await boundaryErrors('src/resources/probe.ts', "import { resolveEntity } from '../reads/index.js';\nexport const x = resolveEntity;\n")).toEqual([]);
  });

  it('only the write pipeline mints write access; anyone may name the type', async () => {
    expect(await boundaryErrors('src/tools/probe.ts', "import { writeAccess } from '../espo/writeAccess.js';\nexport const x = writeAccess;\n")).toEqual([
      expect.stringMatching(/minted by the write pipeline only/),
    ]);
    expect(await boundaryErrors('src/tools/probe.ts', "import type { WriteClient } from '../espo/writeAccess.js';\nexport type X = WriteClient;\n")).toEqual([]);
    expect(await boundaryErrors('src/pipeline/probe.ts', "import { writeAccess } from '../espo/writeAccess.js';\nexport const x = writeAccess;\n")).toEqual([]);
  });

  it('a tool records no audit line and runs no pipeline of its own', async () => {
    expect(await boundaryErrors('src/tools/probe.ts', "import { recordLine } from '../pipeline/record.js';\nexport const x = recordLine;\n")).toEqual([
      expect.stringMatching(/only the write pipeline runs write steps and records audit lines/),
    ]);
    expect(await boundaryErrors('src/tools/probe.ts', "import { saveLayout } from '../pipeline/steps.js';\nexport const x = saveLayout;\n")).toEqual([]);
  });

  it('only server.ts and the transports touch the SDK server API', async () => {
    expect(await boundaryErrors('src/tools/probe.ts', "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nexport const x = McpServer;\n")).toHaveLength(1);
    expect(await boundaryErrors('src/server.ts', "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nexport const x = McpServer;\n")).toEqual([]);
  });

  it('the tree as it is has no boundary error', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'boundaries/imports').map((m) => `${path.relative(root, r.filePath)}: ${m.message}`));
    expect(errors).toEqual([]);
  });
});
