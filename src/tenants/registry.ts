import type { ServerConfig, TenantConfig, SecretRef } from '../config/types.js';
import { EspoClient } from '../espo/client.js';
import { resolveSecret } from '../secrets/index.js';
import { ToolError, unknownTenantError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { principalSees, type Principal } from './policy.js';
import { InstanceGuard } from './guard.js';
import { MetadataCache } from './metadata.js';
import { ProfileCache } from './profile.js';
import { TenantBreaker, type BreakerOptions } from './breaker.js';

/**
 * Everything the server holds for one tenant: its config, a lazily built EspoCRM client (one undici
 * pool per tenant), its circuit breaker, the instance guard, and the caches of what it reads (profile
 * and metadata; the functions in src/reads use them). Secrets are resolved on first use, so
 * a tenant whose keychain entry is missing does not stop the others from working.
 */
export class TenantContext {
  private espo?: EspoClient;
  // Built on first use: a server configured with thousands of tenants holds little more than their
  // configuration until a call reaches one.
  private guardValue?: InstanceGuard;
  private metadataValue?: MetadataCache;
  private profileValue?: ProfileCache;
  private breakerValue?: TenantBreaker;

  constructor(
    readonly config: TenantConfig,
    private readonly deps: { env: NodeJS.ProcessEnv; baseDir: string; logger: Logger; breaker?: BreakerOptions },
  ) {}

  /** The instance guard (the CRM must report the siteUrl this tenant expects before any write). */
  get guard(): InstanceGuard {
    return (this.guardValue ??= new InstanceGuard(this.config, () => this.client()));
  }

  /** The CRM's version and prefix setting, read once. */
  get profile(): ProfileCache {
    return (this.profileValue ??= new ProfileCache(() => this.client(), Boolean(this.config.admin)));
  }

  /** Version-aware metadata reads, cached. */
  get metadata(): MetadataCache {
    return (this.metadataValue ??= new MetadataCache(() => this.client(), Boolean(this.config.admin), this.profile));
  }

  /** Outlives the client (close/reopen), so a failing CRM stays known as failing. */
  get breaker(): TenantBreaker {
    return (this.breakerValue ??= new TenantBreaker(this.config.id, this.deps.breaker, this.deps.logger.child({ tenant: this.config.id, component: 'breaker' })));
  }

  get id(): string {
    return this.config.id;
  }

  private active = 0;
  private transient = false;

  /**
   * Runs `fn` as one use of this tenant. A fleet operation passes `transient`: a tenant it finds cold
   * (no client yet) is released again (client closed, caches dropped) once its last use ends, so what a
   * run over many tenants holds is bounded by its concurrency, not by the number of tenants. Any other
   * use (a tool call on this tenant) keeps it warm, as before.
   */
  async using<T>(fn: () => Promise<T>, opts: { transient?: boolean } = {}): Promise<T> {
    if (!opts.transient) this.transient = false;
    else if (this.active === 0 && this.espo === undefined) this.transient = true;
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      if (this.active === 0 && this.transient) {
        this.transient = false;
        await this.release().catch(() => undefined);
      }
    }
  }

  /** Closes the client (requests in flight finish) and drops what was read; the next use starts cold. */
  private async release(): Promise<void> {
    const espo = this.espo;
    this.espo = undefined;
    this.guardValue = undefined;
    this.metadataValue = undefined;
    this.profileValue = undefined;
    if (!espo) return;
    // The admin session token is destroyed on the CRM, not left to expire: a scheduled check over every
    // tenant would otherwise leave one AuthToken row per round in each CRM.
    await espo.logout().catch(() => false);
    await espo.close();
  }

  /** True while a client is held (tests and the fleet bench observe what a tenant keeps). */
  get warm(): boolean {
    return this.espo !== undefined;
  }

  client(): EspoClient {
    if (!this.espo) {
      const { config } = this;
      const secret = (ref: SecretRef | undefined, field: string) =>
        ref === undefined ? undefined : () => resolveSecret(ref, { tenantId: config.id, field, env: this.deps.env, baseDir: this.deps.baseDir });
      this.espo = new EspoClient({
        tenantId: config.id,
        url: config.url,
        apiKey: secret(config.apiKey, 'apiKey'),
        hmacSecret: secret(config.hmacSecret, 'hmacSecret'),
        admin: config.admin
          ? { username: config.admin.username, password: secret(config.admin.password, 'adminPassword')! }
          : undefined,
        timeouts: config.limits?.timeoutMs ? { headersMs: config.limits.timeoutMs, bodyMs: config.limits.timeoutMs } : undefined,
        connections: config.limits?.concurrency ?? 4,
        logger: this.deps.logger.child({ tenant: config.id }),
        gate: this.breaker,
      });
    }
    return this.espo;
  }

  /** Where this tenant's secret references resolve (for rotation: writing a new secret where it is read). */
  get secretScope(): { env: NodeJS.ProcessEnv; baseDir: string } {
    return { env: this.deps.env, baseDir: this.deps.baseDir };
  }

  /**
   * Drops the secrets the client read (after a rotation): the next request reads them from the store,
   * without a restart. The instance guard is checked again too.
   */
  reloadSecrets(): void {
    this.espo?.forgetSecrets();
    this.guardValue?.forget();
  }

  async close(): Promise<void> {
    await this.espo?.close();
    this.espo = undefined;
  }
}

export class TenantRegistry {
  private readonly contexts = new Map<string, TenantContext>();

  constructor(
    readonly config: ServerConfig,
    deps: { env: NodeJS.ProcessEnv; baseDir: string; logger: Logger; pin?: string; breaker?: BreakerOptions },
  ) {
    const tenants = deps.pin ? config.tenants.filter((t) => t.id === deps.pin) : config.tenants;
    if (deps.pin && tenants.length === 0) {
      throw new Error(
        `--tenant ${deps.pin}: no such tenant in ${config.source}. Configured tenants: ${config.tenants.map((t) => t.id).join(', ')}.`,
      );
    }
    for (const t of tenants) this.contexts.set(t.id, new TenantContext(t, deps));
  }

  /** Tenants the principal may see, in configuration order. */
  visible(principal: Principal): TenantContext[] {
    return [...this.contexts.values()].filter((c) => principalSees(principal, c.id));
  }

  /**
   * The tenant a call names, or the only visible tenant when the call names none. Unknown and
   * forbidden tenants give the same error, listing only what the caller may use.
   */
  resolve(requested: string | undefined, principal: Principal): TenantContext {
    const visible = this.visible(principal);
    if (requested === undefined || requested === '') {
      if (visible.length === 1) return visible[0]!;
      throw new ToolError(
        `This call needs a tenant: ${visible.length} tenants are visible (${visible.map((c) => `"${c.id}"`).join(', ')}). Pass one as "tenant".`,
        'tenant_required',
      );
    }
    const ctx = this.contexts.get(requested);
    if (!ctx || !principalSees(principal, requested)) throw unknownTenantError(requested, visible.map((c) => c.id));
    return ctx;
  }

  async close(): Promise<void> {
    await Promise.all([...this.contexts.values()].map((c) => c.close()));
  }
}
