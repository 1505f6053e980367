/**
 * Fixed guides (no tenant, no CRM call): the explanations and examples the tool definitions leave
 * out. Every conversation pays for the tool definitions (descriptions and input schemas) before its
 * first call, so they keep the rules that prevent a wrong call and point here for the rest; a model
 * reads a guide only when it needs it. What the guides say about kinds, operations, types and aliases
 * comes from the cores, so it cannot drift from what the tools accept.
 */
import type { ResourceDefinition } from './catalog.js';
import { GUIDE_EXAMPLES_URI, GUIDE_FIELD_TYPES_URI, GUIDE_LAYOUT_OPERATIONS_URI } from './uris.js';

type GuideContent = typeof import('./guideContent.js');

/** A fixed guide; its content (guideContent.ts, with the cores it quotes) is imported on its first read. */
function guide(name: string, uri: string, title: string, description: string, build: keyof GuideContent): ResourceDefinition {
  let cached: unknown;
  return {
    name,
    uri,
    template: false,
    title,
    description,
    async read() {
      cached ??= (await import('./guideContent.js'))[build]();
      return cached;
    },
  };
}

export const layoutOperationsGuide = guide(
  'guide-layout-operations',
  GUIDE_LAYOUT_OPERATIONS_URI,
  'Guide: layout operations',
  'Layout names and kinds, the edit_layout operations each kind takes, every argument explained, the dry-run/baseFingerprint flow, and examples.',
  'layoutOperationsContent',
);

export const fieldTypesGuide = guide(
  'guide-field-types',
  GUIDE_FIELD_TYPES_URI,
  'Guide: field types',
  'Field names and the "c" prefix, the types and aliases create_custom_field accepts, which parameter fits which type, valid options and defaults, and examples.',
  'fieldTypesContent',
);

export const examplesGuide = guide(
  'guide-examples',
  GUIDE_EXAMPLES_URI,
  'Guide: example calls',
  'One typical call per tool, with the two-call confirm flow of the destructive ones.',
  'examplesContent',
);
