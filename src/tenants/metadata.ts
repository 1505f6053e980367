import type { EspoClient } from '../espo/client.js';

const TTL_MS = 5 * 60_000;

/**
 * Per-tenant cache of metadata reads (`GET Metadata?key=...`), shared by tools and resources.
 * Every write through this server calls `invalidate()`, so a read after a write sees the change.
 * Reads go through the admin login when one is configured (admins see unfiltered metadata).
 */
export class MetadataCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly client: () => EspoClient,
    private readonly hasAdmin: boolean,
  ) {}

  /** The value at a dotted metadata path, or undefined when EspoCRM has nothing there. */
  async get<T = unknown>(key: string, signal?: AbortSignal): Promise<T | undefined> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return (await hit.value) as T | undefined;
    const value = this.client()
      .request({ method: 'GET', path: 'Metadata', query: { key }, auth: this.hasAdmin ? 'admin' : 'api', signal })
      .then((res) => (res.body === null || res.body === '' ? undefined : res.body));
    this.entries.set(key, { at: Date.now(), value });
    try {
      return (await value) as T | undefined;
    } catch (err) {
      this.entries.delete(key);
      throw err;
    }
  }

  invalidate(): void {
    this.entries.clear();
  }
}
