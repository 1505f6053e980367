/**
 * A tenant's secret (API key, HMAC secret, admin password) as the EspoCRM client holds it: looked up
 * on first use, cached, and forgotten after a refusal so that a fixed secret is picked up.
 */
import { EspoNotConfiguredError } from './errors.js';

/** A secret getter resolved once; forgotten after a refusal so that a fixed secret is picked up. */
export class LazySecret {
  private pending: Promise<string> | undefined;
  constructor(
    private readonly get: () => Promise<string>,
    private readonly tenantId: string,
    private readonly field: string,
  ) {}

  value(): Promise<string> {
    if (!this.pending) {
      const p = this.get().then((v) => {
        if (typeof v !== 'string' || v === '') {
          throw new EspoNotConfiguredError({ userMessage: `The secret "${this.field}" of tenant "${this.tenantId}" is empty. Store it again.` });
        }
        return v;
      });
      // A failed lookup is not cached: the next call tries again.
      p.catch(() => { if (this.pending === p) this.pending = undefined; });
      this.pending = p;
    }
    return this.pending;
  }

  forget(): void {
    this.pending = undefined;
  }
}
