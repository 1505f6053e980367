import { ToolError } from '../errors.js';
import type { AuditOutcome } from '../store/types.js';
import type { RecordedChange } from '../tools/define.js';

/**
 * An apply step that failed after it may have written something: what the caller is told (the
 * message), and what the pipeline records (the outcome, and the change left behind, if any, so that
 * undo_change can revert it).
 */
export class WriteFailure extends ToolError {
  constructor(
    message: string,
    code: string,
    readonly outcome: Extract<AuditOutcome, 'failed' | 'partial'>,
    readonly summary: string,
    readonly change?: RecordedChange,
  ) {
    super(message, code);
    this.name = 'WriteFailure';
  }
}
