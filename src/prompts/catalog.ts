/**
 * Prompts, declared without the SDK (as tools and resources are); `src/server.ts` registers them.
 * A prompt is a ready-made request a user picks in the client: it names the tools to call, in order,
 * and where to stop for the user's agreement.
 */
import type { Principal } from '../tenants/policy.js';
import type { TenantRegistry } from '../tenants/registry.js';
import { crmHealthReview } from './crm_health_review.js';
import { setupSectorFields } from './setup_sector_fields.js';

export interface PromptScope {
  registry: TenantRegistry;
  principal: Principal;
  /** The server-wide --read-only switch. */
  readOnly: boolean;
}

export interface PromptArgumentDefinition {
  name: string;
  description: string;
  required: boolean;
  /** Values starting with `value` (case-insensitive); only what the caller may see. */
  complete?(value: string, scope: PromptScope): string[];
}

export interface PromptMessage {
  role: 'user' | 'assistant';
  text: string;
}

export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  arguments: PromptArgumentDefinition[];
  /** The messages for the given arguments; throws a ToolError for an unknown tenant or a bad value. */
  render(args: Record<string, string | undefined>, scope: PromptScope): { description: string; messages: PromptMessage[] };
}

export function allPrompts(): PromptDefinition[] {
  return [setupSectorFields, crmHealthReview];
}
