/** Types of scripts/tools-doc.mjs, for the test that keeps docs/tools.md fresh. */
export interface DocTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: { properties?: Record<string, unknown>; required?: string[] };
  outputSchema?: { properties?: Record<string, unknown>; required?: string[] };
  annotations?: { title?: string; readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
}
export interface DocResource {
  uri: string;
  title: string;
  description: string;
}
export interface DocPrompt {
  name: string;
  title: string;
  description: string;
  arguments: Array<{ name: string; description: string; required: boolean; complete?: unknown }>;
}
export function typeOf(schema: unknown): string;
export function renderToolsDoc(input: { tools: DocTool[]; resources: DocResource[]; prompts: DocPrompt[] }): string;
export function toolsDocFromClient(
  client: { listTools(): Promise<{ tools: DocTool[] }> },
  input: { resources: DocResource[]; prompts: DocPrompt[] },
): Promise<string>;
