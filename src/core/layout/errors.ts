/** Layout errors are user-input errors: their messages say what is wrong and how to fix it. */

import { CoreError } from '../errors.js';
import type { LayoutIssue } from './types.js';

const MAX_LISTED_ISSUES = 8;

/** Issues as text: one per line, errors only unless told otherwise, capped. */
export function formatIssues(issues: readonly LayoutIssue[], max = MAX_LISTED_ISSUES): string {
  const shown = issues.slice(0, max).map((i) => `${i.path}: ${i.message}`);
  if (issues.length > max) shown.push(`… and ${issues.length - max} more`);
  return shown.join('; ');
}

/** The JSON does not have the shape its layout name needs (a detail layout that is not an array, ...). */
export class LayoutParseError extends CoreError {
  constructor(
    readonly layoutName: string,
    readonly issues: LayoutIssue[],
  ) {
    super(`Layout "${layoutName}" is malformed: ${formatIssues(issues)}`, 'layout_malformed', { layoutName, issues });
    this.name = 'LayoutParseError';
  }
}

/** A layout that must not be saved: `issues` are its errors (and warnings). */
export class LayoutValidationError extends CoreError {
  constructor(
    readonly layoutName: string,
    readonly issues: LayoutIssue[],
  ) {
    const errors = issues.filter((i) => i.severity === 'error');
    super(`Layout "${layoutName}" is not valid, so it was not saved: ${formatIssues(errors)}`, 'layout_invalid', {
      layoutName,
      issues,
    });
    this.name = 'LayoutValidationError';
  }
}

/** An edit that cannot be made (placing a field outside an operation list). */
export class LayoutEditError extends CoreError {
  constructor(
    message: string,
    readonly reason: string,
    code = 'layout_edit_refused',
  ) {
    super(message, code, { reason });
    this.name = 'LayoutEditError';
  }
}

/** An operation of `edit_layout` failed; nothing was applied. `opIndex` is 0-based, as in the request. */
export class LayoutOpError extends LayoutEditError {
  constructor(
    readonly opIndex: number,
    readonly opName: string,
    reason: string,
  ) {
    super(`operation ${opIndex} (${opName}): ${reason}`, reason, 'layout_operation_failed');
    this.name = 'LayoutOpError';
  }
}

/** Thrown inside one operation; `applyLayoutOps` adds the operation's index and name. */
export class OpFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpFailure';
  }
}
