import type { EspoClient } from '../espo/client.js';
import { isRecord } from '../core/values.js';
import type { ProfileCache } from './profile.js';

const TTL_MS = 5 * 60_000;

function valueAt(root: unknown, dotted: string): unknown {
  if (dotted === '') return root;
  let v = root;
  for (const k of dotted.split('.')) {
    if (!isRecord(v) || !Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}

/**
 * Per-tenant cache of metadata reads (`GET Metadata?key=...`), shared by tools and resources, and the
 * only way this server reads metadata. It is version-aware: before 8.2 EspoCRM ignores `?key=` and
 * always serves the whole metadata (docs/espocrm.md, "Metadata and the key parameter"), so there the whole tree is read once,
 * cached, and walked here. Every write through this server calls `invalidate()`, so a read after a
 * write sees the change. Reads go through the admin login when one is configured (admins see
 * unfiltered metadata).
 */
export class MetadataCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly client: () => EspoClient,
    private readonly hasAdmin: boolean,
    private readonly profile: ProfileCache,
  ) {}

  /** The value at a dotted metadata path ('' for all of it), or undefined when EspoCRM has nothing there. */
  async get<T = unknown>(key: string, signal?: AbortSignal): Promise<T | undefined> {
    const { features } = await this.profile.get(signal);
    if (features.metadataKey) return (await this.fetch(key, signal)) as T | undefined;
    return valueAt(await this.fetch('', signal), key) as T | undefined;
  }

  /** As `get`, after dropping the cache: for reading a write back. */
  async fresh<T = unknown>(key: string, signal?: AbortSignal): Promise<T | undefined> {
    this.invalidate();
    return this.get<T>(key, signal);
  }

  private async fetch(key: string, signal?: AbortSignal): Promise<unknown> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    const value = this.client()
      .request({ method: 'GET', path: 'Metadata', ...(key === '' ? {} : { query: { key } }), auth: this.hasAdmin ? 'admin' : 'api', signal })
      .then((res) => (res.body === null || res.body === '' ? undefined : res.body));
    this.entries.set(key, { at: Date.now(), value });
    try {
      return await value;
    } catch (err) {
      this.entries.delete(key);
      throw err;
    }
  }

  invalidate(): void {
    this.entries.clear();
  }
}
