/**
 * A secret could not be resolved or stored. The message says which tenant and field, where the
 * reference points and how to fix it; it never contains a secret value.
 */
export class SecretError extends Error {
  readonly tenantId?: string;
  readonly field?: string;

  constructor(message: string, opts: { tenantId?: string; field?: string } = {}) {
    super(message);
    this.name = 'SecretError';
    this.tenantId = opts.tenantId;
    this.field = opts.field;
  }
}
