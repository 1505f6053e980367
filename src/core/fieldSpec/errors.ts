/**
 * Errors of the field spec core. Each message says what was wrong, what is allowed and how to fix
 * it, so a tool handler can show it to the model as is.
 */
export type FieldSpecErrorCode =
  | 'invalid_request'
  | 'unknown_entity'
  | 'entity_not_customizable'
  | 'unknown_type'
  | 'type_not_creatable'
  | 'type_not_supported'
  | 'type_change'
  | 'invalid_name'
  | 'name_not_ascii'
  | 'name_starts_with_digit'
  | 'name_too_long'
  | 'name_reserved'
  | 'name_conflict'
  | 'field_not_found'
  | 'param_not_applicable'
  | 'param_not_supported'
  | 'invalid_param'
  | 'options_required'
  | 'options_invalid'
  | 'options_duplicate'
  | 'default_invalid'
  | 'range_invalid'
  | 'option_label_invalid'
  | 'label_invalid'
  | 'patch_conflict'
  | 'definition_conflict';

export class FieldSpecError extends Error {
  constructor(
    readonly code: FieldSpecErrorCode,
    message: string,
    /** The request key the error is about (`options`, `default`, `params.rows`, ...). */
    readonly path?: string,
  ) {
    super(message);
    this.name = 'FieldSpecError';
  }

  toJSON(): { code: FieldSpecErrorCode; message: string; path?: string } {
    return this.path === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, path: this.path };
  }
}

/** One message for a list of errors, e.g. for a single tool error. */
export function formatFieldSpecErrors(errors: readonly FieldSpecError[]): string {
  if (errors.length === 1) return errors[0]!.message;
  return `${errors.length} problems:\n${errors.map((e, i) => `${i + 1}. ${e.message}`).join('\n')}`;
}
