/**
 * Layouts: saved (custom) layouts over the entity's default layouts over the generic defaults, the
 * lookup order EspoCRM uses. A save stores whatever text it is given, as EspoCRM does: malformed
 * JSON becomes the layout `null`, after which reading it gives 404.
 */
import { notFound } from './errors.js';
import { genericDefaultLayout } from './metadata/index.js';
import type { Json } from './types.js';

export interface CustomLayoutRef {
  entityType: string;
  name: string;
}

export class LayoutStore {
  private readonly defaults: Record<string, Record<string, Json>>;
  /** `Entity:name` -> the stored file text (pretty JSON, as EspoCRM writes it) */
  private readonly custom = new Map<string, string>();

  constructor(
    defaults: Record<string, Record<string, Json>>,
    private readonly fieldNamesOf: (entityType: string) => string[],
  ) {
    this.defaults = structuredClone(defaults);
  }

  /** `GET {Entity}/layout/{name}`. */
  read(entityType: string, name: string): Json {
    const stored = this.custom.get(key(entityType, name));
    if (stored !== undefined) {
      const value = JSON.parse(stored) as Json;
      if (value === null) throw layoutNotFound(entityType, name);
      return value;
    }
    const fallback = this.defaultLayout(entityType, name);
    if (fallback === undefined) throw layoutNotFound(entityType, name);
    return fallback;
  }

  /** The layout that applies without a custom one, or undefined when the name has none. */
  defaultLayout(entityType: string, name: string): Json | undefined {
    const own = this.defaults[entityType];
    if (own && Object.hasOwn(own, name)) return structuredClone(own[name]) as Json;
    return genericDefaultLayout(name, this.fieldNamesOf(entityType));
  }

  /** Stores the raw request body and returns the stored text (which EspoCRM echoes unquoted). */
  save(entityType: string, name: string, rawBody: string): string {
    let value: Json;
    try {
      value = JSON.parse(rawBody) as Json;
    } catch {
      value = null;
    }
    const text = JSON.stringify(value, null, 4);
    this.custom.set(key(entityType, name), text);
    return text;
  }

  /** Drops the custom layout; returns the layout now in effect, or false when there is none. */
  reset(entityType: string, name: string): Json | false {
    this.custom.delete(key(entityType, name));
    if (name === 'bottomPanelsDetail') this.custom.delete(key(entityType, 'relationships'));
    return this.defaultLayout(entityType, name) ?? false;
  }

  isCustomized(entityType: string, name: string): boolean {
    return this.custom.has(key(entityType, name));
  }

  customized(): CustomLayoutRef[] {
    return [...this.custom.keys()].map((k) => {
      const [entityType = '', name = ''] = k.split(':');
      return { entityType, name };
    });
  }
}

const key = (entityType: string, name: string) => `${entityType}:${name}`;
const layoutNotFound = (entityType: string, name: string) => notFound(`Layout ${entityType}:${name} is not found.`);
