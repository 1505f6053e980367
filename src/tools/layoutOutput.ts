/** How the layout tools show a layout's problems: one output schema and one text form. */
import { z } from 'zod';
import type { LayoutIssue } from '../core/layout/index.js';

export const LayoutIssueOut = z.object({
  path: z.string().describe('Where in the layout, e.g. "panels[1].rows[0][2]" or "columns[3].width".'),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
});

export function issueLines(issues: readonly LayoutIssue[]): string[] {
  return issues.map((i) => `  ${i.severity === 'error' ? 'ERROR' : 'warning'} ${i.path}: ${i.message}`);
}
