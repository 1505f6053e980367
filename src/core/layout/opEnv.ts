/** What every operation needs: the layout name, and the entity's metadata when checks apply. */

import { OpFailure } from './errors.js';
import { fieldOfItem, fieldProblem, linkProblem, listNames } from './fieldRules.js';
import { layoutKind } from './kinds.js';
import type { LayoutContext } from './types.js';

export interface OpEnv {
  name: string;
  /** Absent only for `placeField` without metadata: then fields are not checked against the entity. */
  ctx?: LayoutContext;
}

/** Fails unless `item` may be added to this layout (a field, or a link for relationships). */
export function checkAddable(env: OpEnv, item: string): void {
  if (!env.ctx) return;
  const problem =
    layoutKind(env.name) === 'linkList' ? linkProblem(item, env.ctx) : fieldProblem(env.name, fieldOfItem(env.name, item), env.ctx);
  if (problem) throw new OpFailure(problem.message);
}

export function notInLayout(what: string, name: string, present: readonly string[], role?: string): OpFailure {
  const given = role ? ` (given as "${role}")` : '';
  return new OpFailure(`${what} "${name}"${given} is not in the layout; ${what}s in the layout: ${listNames(present)}`);
}
